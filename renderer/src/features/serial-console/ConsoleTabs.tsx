/** One tab per open console, with its link state as a dot; each closes on its own. */
import type { ConsoleSessionInfo } from '../../../../shared/model';
import { setActiveConsole, useConsoles } from '../../stores/consoles';

export function ConsoleTabs({ onClose }: { onClose(info: ConsoleSessionInfo): void }) {
  const order = useConsoles((s) => s.order);
  const sessions = useConsoles((s) => s.sessions);
  const activeId = useConsoles((s) => s.activeId);
  return (
    <div className="console-tabs" role="tablist" aria-label="Consoles">
      {order.map((id) => {
        const info = sessions[id]!;
        return (
          <div key={id} className={`console-tab${id === activeId ? ' current' : ''}`}>
            <button type="button" role="tab" aria-selected={id === activeId} aria-controls={`console-panel-${id}`} onClick={() => setActiveConsole(id)}>
              <span className={`dot console-${info.status}`} aria-hidden="true" /> {info.hostname}
            </button>
            <button type="button" className="icon" aria-label={`Close console of ${info.hostname}`} onClick={() => onClose(info)}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
