/** A group's writes: pause or resume its updates, and reboot a policy-sized batch of the nodes waiting for one. */
import type { UpdateGroup } from '../../../../shared/model';
import { confirm } from '../../app/confirm';
import { useClient } from '../../app/client-context';
import { toast } from '../../stores/toasts';
import { useMutation } from '../../ui/use-mutation';

export function useGroupActions(group: UpdateGroup) {
  const client = useClient();
  const r = group.rollout;
  const p = group.policy;

  const enable = useMutation((enabled: boolean) => client.call('updates.setUpdatesEnabled', { serverId: group.serverId, groupId: group.id, enabled }), {
    failure: (enabled) => (enabled ? 'Could not resume' : 'Could not pause'),
    onSuccess: (_, enabled) => toast('success', enabled ? `Updates resumed in ${group.name}` : `Updates paused in ${group.name}`),
  });

  const reboot = useMutation(() => client.call('updates.rebootPending', { serverId: group.serverId, groupId: group.id }), {
    failure: 'Could not reboot',
    onSuccess: (result) => {
      const failed = result.results.filter((x) => !x.ok);
      const started = result.results.filter((x) => x.ok).map((x) => x.hostname);
      toast(
        failed.length ? 'error' : 'success',
        started.length ? `Rebooting ${started.join(', ')}` : 'No reboot started',
        [
          failed.map((f) => `${f.hostname}: ${f.error?.message ?? 'failed'}`).join('; '),
          result.remaining ? `${result.remaining} more wait for the next batch.` : '',
        ]
          .filter(Boolean)
          .join(' '),
      );
    },
  });

  const setEnabled = async (enabled: boolean) => {
    if (enabled) {
      const ok = await confirm({
        title: `Resume updates in ${group.name}?`,
        body: `${r.remaining} node${r.remaining === 1 ? '' : 's'} not yet on ${group.targetVersion ?? 'the target'} will be offered it again, ${p.maxUpdatesPerPeriod} per ${p.periodInterval}${p.safeMode ? ', canary first' : ''}.${r.failed > 0 ? ` ${r.failed} node${r.failed === 1 ? '' : 's'} failed this release; check why first.` : ''}`,
        confirmLabel: 'Resume updates',
        tone: 'normal',
      });
      if (!ok) return;
    }
    await enable.run(enabled);
  };

  const rebootWaiting = async () => {
    const batch = Math.min(r.waitingReboot, Math.max(1, p.maxUpdatesPerPeriod));
    const ok = await confirm({
      title: `Reboot ${batch} node${batch === 1 ? '' : 's'} waiting for ${group.targetVersion ?? 'their update'}?`,
      body: `${r.waitingReboot} node${r.waitingReboot === 1 ? ' has' : 's have'} installed the update and wait${r.waitingReboot === 1 ? 's' : ''} for a reboot. Ironpane reboots at most ${Math.max(1, p.maxUpdatesPerPeriod)} at once, the group's max updates per period; each boots its new slot and falls back if it does not come up healthy.`,
      confirmLabel: `Reboot ${batch}`,
      tone: 'danger',
      typeToConfirm: batch > 1 ? String(batch) : undefined,
    });
    if (ok) await reboot.run();
  };

  return { setEnabled, rebootWaiting, busy: enable.busy || reboot.busy };
}
