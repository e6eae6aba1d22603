/**
 * A node's boot device, set through its BMC (Redfish or IPMI): what the BMC holds now, and a choice
 * of target and "next boot only" or "every boot". It is an operation (journalled, audited, read
 * back where the BMC can); a node without a BMC shows the control disabled with the reason.
 */
import { useState } from 'react';
import { BOOT_TARGET_LABEL, BOOT_TARGETS, capabilityMissingReason, type BootTarget } from '../../../../shared/capabilities';
import type { FleetNode } from '../../../../shared/model';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { toast } from '../../stores/toasts';
import { Button } from '../../ui/Button';
import { useMutation } from '../../ui/use-mutation';

export function BootOverrideControl({ node }: { node: FleetNode }) {
  const client = useClient();
  const missing = capabilityMissingReason(node, 'bootOverride');
  const offered = node.bootOverride?.allowed.length
    ? BOOT_TARGETS.filter((t) => node.bootOverride!.allowed.includes(t) && t !== 'None')
    : BOOT_TARGETS.filter((t) => t !== 'None' && t !== 'UefiHttp');
  const [target, setTarget] = useState<BootTarget>(offered.includes('Pxe') ? 'Pxe' : (offered[0] ?? 'Pxe'));
  const [mode, setMode] = useState<'Once' | 'Continuous'>('Once');
  const send = useMutation(() => client.call('actions.bootOverride', { nodeId: node.id, target, mode }), {
    failure: `Could not set the boot device of ${node.hostname}`,
    onSuccess: () => toast('info', `Setting the boot device of ${node.hostname}`, 'The outcome appears in Activity when the BMC has read it back.'),
  });

  const apply = async () => {
    if (send.busy) return;
    const ok = await confirm({
      title: `Boot ${node.hostname} from ${BOOT_TARGET_LABEL[target]}?`,
      body: `${node.hostname} boots from ${BOOT_TARGET_LABEL[target]} ${mode === 'Once' ? 'on its next boot only' : 'on every boot until changed'}. Nothing restarts now; power-cycle it to boot that way.`,
      confirmLabel: `Set boot device on ${node.hostname}`,
      tone: 'normal',
    });
    if (ok) await send.run();
  };

  const current = node.bootOverride;
  return (
    <div className="actions boot-override" role="group" aria-label="Boot device">
      <select
        aria-label="Boot from"
        value={target}
        disabled={missing !== null}
        title={missing ?? undefined}
        onChange={(e) => setTarget(e.target.value as BootTarget)}
      >
        {offered.map((t) => (
          <option key={t} value={t}>
            {BOOT_TARGET_LABEL[t]}
          </option>
        ))}
      </select>
      <select aria-label="Boot override applies" value={mode} disabled={missing !== null} onChange={(e) => setMode(e.target.value as 'Once' | 'Continuous')}>
        <option value="Once">next boot only</option>
        <option value="Continuous">every boot</option>
      </select>
      <Button disabledReason={missing} busy={send.busy} title="Set through the BMC; nothing restarts" onClick={() => void apply()}>
        Set boot device…
      </Button>
      {current && (
        <span className="muted" data-testid="boot-override-now">
          now:{' '}
          {current.enabled === 'Disabled'
            ? 'no override'
            : `${BOOT_TARGET_LABEL[current.target as BootTarget] ?? current.target} (${current.enabled === 'Once' ? 'once' : 'every boot'})`}
        </span>
      )}
    </div>
  );
}
