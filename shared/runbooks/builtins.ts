/**
 * The runbooks Ironpane ships (docs/architecture.md#runbooks). The OS rollbacks are the vendors'
 * documented manual procedures: Flatcar's `cgpt prioritize` of the other USR partition
 * (flatcar/flatcar-website docs/latest/setup/debug/manual-rollbacks.md) and NixOS's
 * `nixos-rebuild switch --rollback` (nixpkgs nixos/doc/manual/administration/rollback.section.md).
 * Each is a YAML document a user can copy into the config editor and change.
 */
export interface BuiltinRunbook {
  id: string;
  text: string;
}

export const FLATCAR_ROLLBACK_ID = 'builtin:flatcar-rollback';
export const NIXOS_ROLLBACK_ID = 'builtin:nixos-rollback';

export const BUILTIN_RUNBOOKS: readonly BuiltinRunbook[] = [
  {
    id: FLATCAR_ROLLBACK_ID,
    text: `name: Flatcar A/B rollback
description: >-
  Flatcar's documented manual rollback. Makes the other USR partition boot next with cgpt
  prioritize, reboots into it, and checks the node booted the version that partition holds.
  update_engine offers the newer release again at its next check unless the node's update
  group is paused.
os: [flatcar]
steps:
  - name: Show the USR partitions before
    send: cgpt show
  - name: Make the other USR partition boot next
    send: sudo cgpt prioritize "$(cgpt find -t flatcar-usr | grep --invert-match "$(rootdev -s /usr)")"
    fail: 'ERROR'
  - name: Show the USR partitions after
    send: cgpt show
  - name: Reboot into it and wait for the login prompt
    send: sudo systemctl reboot
    expect: 'login: $'
    timeout: 15m
verify:
  bootedVersion: '{{targetVersion}}'
`,
  },
  {
    id: NIXOS_ROLLBACK_ID,
    text: `name: NixOS generation rollback
description: >-
  Switches to the generation before the current one (nixos-rebuild switch --rollback), reboots so
  the node boots it, and checks the node booted that generation's version.
os: [nixos]
steps:
  - name: List the generations before
    send: nixos-rebuild list-generations
  - name: Switch to the previous generation
    send: sudo nixos-rebuild switch --rollback
    fail: '^error:'
  - name: Reboot into it and wait for the login prompt
    send: sudo systemctl reboot
    expect: 'login: $'
    timeout: 15m
verify:
  bootedVersion: '{{targetVersion}}'
`,
  },
  {
    id: 'builtin:diagnostics',
    text: `name: Collect diagnostics
description: >-
  Errors from this boot's journal, failed units and kernel warnings, kept in the transcript.
steps:
  - name: Errors in this boot's journal
    send: journalctl -b -p err --no-pager
  - name: Failed units
    send: systemctl --failed --no-pager
  - name: Kernel errors and warnings
    send: dmesg --level=err,warn
verify:
  send: uname -a
  expect: '[$#] $'
`,
  },
  {
    id: 'builtin:reboot-verify',
    text: `name: Reboot and verify
description: >-
  A clean reboot from the shell; done when the console shows a login prompt again and the node
  boots the version it ran before.
steps:
  - name: Reboot and wait for the login prompt
    send: sudo systemctl reboot
    expect: 'login: $'
    timeout: 15m
verify:
  bootedVersion: '{{bootedVersion}}'
`,
  },
];
