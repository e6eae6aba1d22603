/**
 * The runbook runner on a lab machine's serial line (the same line the SSH gateway serves): it logs
 * in, sends, expects, times out, refuses on a `fail` match, never writes the password, and the
 * built-in rollbacks change the machine for real (the next boot slot, then the booted version).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_RUNBOOKS, FLATCAR_ROLLBACK_ID, NIXOS_ROLLBACK_ID } from '../../../shared/runbooks/builtins';
import { parseRunbook, type Runbook } from '../../../shared/runbooks/runbook';
import { startLab, type RunningLab } from '../../lab/lab';
import type { Machine } from '../../lab/lab-fleet';
import { SerialLine } from '../../lab/serial/serial-line';
import { runRunbook, type ConsoleLine } from './runbook-runner';

let lab: RunningLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

const PASSWORD = 'correct horse battery staple';

function builtin(id: string): Runbook {
  const parsed = parseRunbook(BUILTIN_RUNBOOKS.find((b) => b.id === id)!.text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.runbook;
}

function own(text: string): Runbook {
  const parsed = parseRunbook(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.runbook;
}

/** A machine's serial line, wired to its transitions as the gateway wires it. */
function console_(machine: Machine): ConsoleLine {
  const line = new SerialLine(machine, lab!.fleet);
  lab!.fleet.events.on('transition', (m, from, to) => m.id === machine.id && line.onTransition(from, to));
  return {
    write: (text) => line.input(Buffer.from(text)),
    onData: (listener) => {
      line.on('data', listener);
      return () => line.off('data', listener);
    },
  };
}

describe('runbook runner on a lab serial line', () => {
  it('rolls a Flatcar machine back to its other USR slot: logs in, cgpt prioritize, reboot, boots the old version', { timeout: 30_000 }, async () => {
    lab = await startLab({ nodeCount: 16, timeScale: 0.002, failureRate: 0 });
    const machine = lab.fleet.list().find((m) => m.os.distro === 'flatcar' && m.state === 'active' && m.osReport?.slots[1]?.version)!;
    const before = machine.osVersion;
    const target = machine.osReport!.slots.find((s) => !s.booted)!.version!;
    expect(target).not.toBe(before);

    const run = await runRunbook(builtin(FLATCAR_ROLLBACK_ID), console_(machine), {
      user: 'core',
      password: PASSWORD,
      hostname: machine.hostname,
      targetVersion: target,
    });
    expect(run).toMatchObject({ ok: true, completed: 4 });
    expect(machine.osVersion).toBe(target);
    expect(machine.osReport).toMatchObject({ bootedVersion: target });
    expect(machine.osReport!.slots.find((s) => s.booted)).toMatchObject({ label: 'USR-B', version: target, nextBoot: true });
    // The transcript shows what happened, and never the password.
    expect(run.transcript).toContain('» sudo cgpt prioritize');
    expect(run.transcript).toContain('Attr: priority=2');
    expect(run.transcript).toMatch(/login: $/m);
    expect(run.transcript).toContain('» (password)');
    expect(run.transcript).not.toContain(PASSWORD);
    expect(run.transcript.includes(String.fromCharCode(27))).toBe(false);
  });

  it('rolls a NixOS machine back a generation', { timeout: 30_000 }, async () => {
    lab = await startLab({ nodeCount: 16, timeScale: 0.002, failureRate: 0 });
    const machine = lab.fleet.list().find((m) => m.os.distro === 'nixos' && m.state === 'active' && (m.osReport?.slots.length ?? 0) > 1)!;
    const target = machine.osReport!.slots[0]!.version!;
    const run = await runRunbook(builtin(NIXOS_ROLLBACK_ID), console_(machine), { user: 'root', password: PASSWORD, targetVersion: target });
    expect(run).toMatchObject({ ok: true });
    expect(machine.osVersion).toBe(target);
    expect(run.transcript).toContain('activating the configuration');
    // Nothing older is left: a second rollback fails its step on the tool's error.
    const again = await runRunbook(builtin(NIXOS_ROLLBACK_ID), console_(machine), { user: 'root', password: PASSWORD, targetVersion: target });
    expect(again.ok).toBe(false);
    expect(again.message).toMatch(/^Step 2 \(Switch to the previous generation\): the output matched \/\^error:\//);
  });

  it('fails a step whose expect never matches, naming the step, the pattern and what the console printed', { timeout: 20_000 }, async () => {
    lab = await startLab({ nodeCount: 12, timeScale: 0.002, failureRate: 0 });
    const machine = lab.fleet.list().find((m) => m.os.distro === 'flatcar' && m.state === 'active')!;
    const runbook = own(
      `name: Waits in vain\nsteps:\n  - send: uname -a\n  - name: never\n    send: hostname\n    expect: 'this will not appear'\n    timeout: 600ms\nverify:\n  expect: x\n`,
    );
    const run = await runRunbook(runbook, console_(machine), { user: 'core', password: PASSWORD });
    expect(run.ok).toBe(false);
    expect(run.completed).toBe(1);
    expect(run.message).toMatch(/^Step 2 \(never\): expected \/this will not appear\/ within 1 s; the console printed "/);
    expect(run.message).toContain(machine.hostname);
    expect(run.transcript).toContain(`Linux ${machine.hostname}`);
  });

  it('fails on a fail pattern even though the prompt came back, and refuses an unknown user', { timeout: 20_000 }, async () => {
    lab = await startLab({ nodeCount: 12, timeScale: 0.002, failureRate: 0 });
    const machine = lab.fleet.list().find((m) => m.os.distro === 'flatcar' && m.state === 'active')!;
    const slotsBefore = JSON.stringify(machine.osReport!.slots);
    const withoutSudo = own(`name: No sudo\nsteps:\n  - send: cgpt prioritize /dev/sda4\n    fail: ERROR\nverify:\n  expect: x\n`);
    const run = await runRunbook(withoutSudo, console_(machine), { user: 'core', password: PASSWORD });
    expect(run.message).toMatch(/^Step 1 \(cgpt prioritize \/dev\/sda4\): the output matched \/ERROR\/.*Permission denied/);
    expect(JSON.stringify(machine.osReport!.slots)).toBe(slotsBefore);

    const other = lab.fleet.list().find((m) => m.os.distro === 'flatcar' && m.state === 'active' && m.id !== machine.id)!;
    const refused = await runRunbook(withoutSudo, console_(other), { user: 'nobody', password: PASSWORD });
    expect(refused).toMatchObject({
      ok: false,
      completed: 0,
      message: 'The console refused the credential "console" (user nobody); check it on the Connections screen (Console credentials).',
    });
    const noCredential = await runRunbook(
      withoutSudo,
      console_(lab.fleet.list().find((m) => m.os.distro === 'flatcar' && m.state === 'active' && m.id !== machine.id && m.id !== other.id)!),
      {},
    );
    expect(noCredential.message).toMatch(/no console credential "console" in the vault/);
  });
  it('refuses {{password}} in a command and sends a named credential with its own step, masked everywhere', { timeout: 20_000 }, async () => {
    expect(parseRunbook('name: leak\nsteps:\n  - send: echo {{password}}\nverify: { expect: "x" }\n')).toEqual({
      ok: false,
      message: 'steps.0.send: {{password}} cannot be written into a command; send a credential with its own step (sendCredential: <name>) instead',
    });
    lab = await startLab({ nodeCount: 8, timeScale: 0.002, failureRate: 0 });
    const machine = lab.fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
    // The shell echoes what it is sent, as a shell with echo on (or a mistyped prompt) would.
    const runbook = own('name: sudo prompt\nsteps:\n  - send: echo\n  - sendCredential: bmc-root\nverify: { expect: "[$#] $" }\n');
    const masked: string[][] = [];
    const line = { ...console_(machine), maskSecrets: (secrets: readonly string[]) => (masked.push([...secrets]), () => undefined) };
    const run = await runRunbook(runbook, line, { user: 'core', password: PASSWORD }, { credentials: { 'bmc-root': 'Tr0ub4dor&3' } });
    expect(run.ok).toBe(true);
    expect(run.transcript).toContain('» (the bmc-root password)');
    expect(run.transcript).not.toContain('Tr0ub4dor&3');
    // Main masks both the login password and the sent credential while the runbook runs.
    expect(masked).toEqual([[PASSWORD, 'Tr0ub4dor&3']]);
    const missing = await runRunbook(runbook, console_(machine), { user: 'core', password: PASSWORD }, { credentials: {} });
    expect(missing.message).toMatch(/Step 2 \(send the bmc-root password\): there is no console credential "bmc-root"/);
  });
});
