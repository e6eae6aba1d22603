/**
 * The node's bootable slots as boxes: Flatcar's USR-A/USR-B with GPT priority, tries and
 * successful (what GRUB boots by), Talos' current/previous image, NixOS generations. Marks which one
 * runs and which one the next boot picks.
 */
import type { NodeOsState } from '../../../shared/model';

const SCHEME_LABEL: Record<NodeOsState['scheme'], string> = {
  'usr-ab': 'A/B USR partitions (GRUB boots the highest priority that is successful or has tries left)',
  'talos-ab': 'Talos A/B images',
  'nixos-generations': 'NixOS generations',
};

export function SlotDiagram({ os }: { os: NodeOsState }) {
  return (
    <figure className="slots" aria-label={SCHEME_LABEL[os.scheme]}>
      <div className="slot-row">
        {os.slots.map((slot) => {
          const unbootable = os.scheme === 'usr-ab' && slot.version !== null && slot.successful === false && (slot.tries ?? 0) === 0;
          return (
            <div
              key={slot.label}
              className={`slot${slot.booted ? ' booted' : ''}${slot.nextBoot ? ' next' : ''}${unbootable ? ' unbootable' : ''}`}
              data-slot={slot.label}
              data-booted={slot.booted || undefined}
            >
              <div className="slot-label">{slot.label}</div>
              <div className="slot-version mono">{slot.version ?? 'empty'}</div>
              <div className="slot-marks">
                {slot.booted && <span className="badge slot-booted">booted</span>}
                {slot.nextBoot && <span className="badge slot-next">next boot</span>}
                {unbootable && <span className="badge slot-failed">failed, no tries left</span>}
              </div>
              {slot.priority !== null && (
                <div className="slot-attrs mono muted">
                  priority={slot.priority} tries={slot.tries} successful={slot.successful ? 1 : 0}
                </div>
              )}
            </div>
          );
        })}
      </div>
      <figcaption className="muted">{SCHEME_LABEL[os.scheme]}</figcaption>
    </figure>
  );
}
