/** Confirm, send, and report a power action on one node. */
import { useCallback } from 'react';
import type { FleetNode, PowerAction } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { ACTION_LABELS } from '../../util/format';

const CONSEQUENCE: Record<PowerAction, string> = {
  power_off: 'The machine is switched off at once; everything running on it stops until it is powered on again.',
  reboot: 'The machine restarts; workloads on it are interrupted while it boots.',
  power_on: 'The machine boots from its installed operating system.',
};

export function usePowerAction() {
  const client = useClient();
  return useCallback(
    async (node: FleetNode, action: PowerAction) => {
      const label = ACTION_LABELS[action];
      const ok = await confirm({
        title: `${label} ${node.hostname}?`,
        body: `${CONSEQUENCE[action]} (${node.shortId}, ${node.facility?.code ?? node.metro?.code ?? 'unknown location'})`,
        confirmLabel: `${label} ${node.hostname}`,
        tone: action === 'power_on' ? 'normal' : 'danger',
      });
      if (!ok) return;
      try {
        await client.call('actions.power', { nodeId: node.id, action });
        toast('success', `${label} requested for ${node.hostname}`, 'Its state updates here as the machine responds.');
      } catch (error) {
        const data = errorData(error);
        toast('error', `${label} ${node.hostname} failed`, data.message);
      }
    },
    [client],
  );
}
