/**
 * What an OS rollback of a node would do, from its observed slots (docs/architecture.md#rollback):
 * Flatcar boots the other USR partition (only the version still on it is reachable), NixOS boots
 * the generation before the current one, and Talos rolls back through its own API, which no
 * provider here offers. Offered only when there is something to roll back to, and saying why not.
 */
import type { NodeOsState } from '../model';
import { FLATCAR_ROLLBACK_ID, NIXOS_ROLLBACK_ID } from './builtins';

export type OsRollbackPlan =
  { available: true; runbookId: string; from: string; to: string; steps: string[]; note: string | null } | { available: false; reason: string };

export function osRollbackPlan(node: { state: string; osState: NodeOsState | null; os: { family: string; version: string } }): OsRollbackPlan {
  const os = node.osState;
  if (!os) return { available: false, reason: 'The node does not report OS slots or generations, so there is no earlier OS Ironpane can boot.' };
  if (node.state !== 'active')
    return { available: false, reason: `The node is ${node.state.replace(/_/g, ' ')}; a rollback needs it active to type on its console.` };
  const from = os.bootedVersion || node.os.version;
  switch (os.scheme) {
    case 'usr-ab': {
      const booted = os.slots.find((s) => s.booted);
      const other = os.slots.find((s) => !s.booted);
      if (!booted || !other || !other.version)
        return { available: false, reason: `${other?.label ?? 'The other USR partition'} holds no OS: there is nothing to roll back to.` };
      if (other.nextBoot)
        return {
          available: false,
          reason: `${other.label} (${other.version}) already boots next: an update waits for a reboot. Reboot to finish it; there is nothing to roll back to first.`,
        };
      if (!other.successful && (other.tries ?? 0) <= 0)
        return { available: false, reason: `${other.label} (${other.version}) failed to boot before and has no tries left: GRUB would not boot it.` };
      return {
        available: true,
        runbookId: FLATCAR_ROLLBACK_ID,
        from,
        to: other.version,
        steps: [
          'Log in on the serial console with the “console” credential.',
          `Make ${other.label} boot next: sudo cgpt prioritize "$(cgpt find -t flatcar-usr | grep --invert-match "$(rootdev -s /usr)")".`,
          'Reboot, and wait for the login prompt.',
          `Verify the node booted ${other.version}.`,
        ],
        note: 'update_engine offers the newer release again at its next check unless the node’s update group is paused.',
      };
    }
    case 'nixos-generations': {
      const current = os.slots.findIndex((g) => g.nextBoot);
      const previous = current > 0 ? os.slots[current - 1] : undefined;
      if (!previous?.version) return { available: false, reason: 'There is no generation before the current one to roll back to.' };
      return {
        available: true,
        runbookId: NIXOS_ROLLBACK_ID,
        from,
        to: previous.version,
        steps: [
          'Log in on the serial console with the “console” credential.',
          `Switch to ${previous.label}: sudo nixos-rebuild switch --rollback.`,
          'Reboot, and wait for the login prompt.',
          `Verify the node booted ${previous.version}.`,
        ],
        note: null,
      };
    }
    case 'talos-ab':
      return {
        available: false,
        reason:
          'Talos rolls back through its own API (talosctl rollback), and Talos has no shell on its console; this provider offers no rollback. Run talosctl rollback --nodes <address> from a machine that can reach the node.',
      };
  }
}
