/** The config profiles on the left of the Config screen: pick one, create one, or open the schema sources. */
import { useState } from 'react';
import { CONFIG_KIND_LABELS } from '../../../../shared/config/kinds';
import { selectProfile, useConfigProfiles } from '../../stores/config';
import { toast } from '../../stores/toasts';
import { NewProfileForm, SchemasPanel } from './ConfigPanels';

export function ConfigList({ onPick, onSchemasChanged }: { onPick(): void; onSchemasChanged(): void }) {
  const profiles = useConfigProfiles((s) => s.profiles);
  const loaded = useConfigProfiles((s) => s.loaded);
  const selectedId = useConfigProfiles((s) => s.selectedId);
  const [creating, setCreating] = useState(false);
  const [showSchemas, setShowSchemas] = useState(false);
  return (
    <aside className="config-list" aria-label="Configs">
      <div className="config-list-head">
        <h1>Config</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New config
        </button>
      </div>
      <button type="button" className="link" aria-pressed={showSchemas} onClick={() => setShowSchemas(!showSchemas)}>
        Schemas…
      </button>
      {showSchemas && <SchemasPanel onClose={() => setShowSchemas(false)} onChanged={onSchemasChanged} />}
      {creating && (
        <NewProfileForm
          onCancel={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            selectProfile(created.id);
            toast('success', `Created ${created.name}`, 'Started from the template; edit it and save r2.');
          }}
        />
      )}
      {loaded && profiles.length === 0 && !creating && (
        <p className="muted">No configs yet. A config is a named Butane, Ignition, Talos or cloud-init document with a history of revisions.</p>
      )}
      <ul role="listbox" aria-label="Config profiles">
        {profiles.map((p) => (
          <li
            key={p.id}
            role="option"
            aria-selected={p.id === selectedId}
            className={p.id === selectedId ? 'current' : ''}
            onClick={() => (selectProfile(p.id), onPick())}
          >
            <strong>{p.name}</strong>
            <span className="muted">
              {CONFIG_KIND_LABELS[p.kind]} · r{p.latest?.number ?? 0}
            </span>
          </li>
        ))}
      </ul>
    </aside>
  );
}
