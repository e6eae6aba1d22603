/** Pieces of the Config screen: the profile's title (click to rename), its Talos version, and the pane beside the editor. */
import { useState } from 'react';
import { DEFAULT_TALOS_VERSION } from '../../../../shared/config/kinds';
import type { ConfigProfile, ConfigRevisionSummary } from '../../../../shared/model';
import { useClient } from '../../app/client-context';
import { errorData } from '../../bridge/client';
import { toast } from '../../stores/toasts';
import { useMutation } from '../../ui/use-mutation';
import { AssignmentsPanel, HistoryPanel, NodePreview } from './ConfigPanels';

/** "(spec 3.4.0)" from compiled Ignition; nothing rather than a crash for anything else. */
export function specLabel(rendered: string): string {
  try {
    const version = (JSON.parse(rendered) as { ignition?: { version?: unknown } }).ignition?.version;
    return typeof version === 'string' ? `(spec ${version})` : '';
  } catch {
    return '';
  }
}

/** Which Talos release checks this profile: its schema is fetched for that version. */
export function TalosVersionField({ profileId, version }: { profileId: string; version: string | null }) {
  const client = useClient();
  const [draft, setDraft] = useState(version ?? DEFAULT_TALOS_VERSION);
  const save = async () => {
    const next = draft.trim() === DEFAULT_TALOS_VERSION ? null : draft.trim();
    if (next === version) return;
    try {
      await client.call('config.setTalosVersion', { profileId, version: next });
      toast('success', `Checked against Talos ${next ?? DEFAULT_TALOS_VERSION}`);
    } catch (e) {
      toast('error', 'Could not set the Talos version', errorData(e).message);
      setDraft(version ?? DEFAULT_TALOS_VERSION);
    }
  };
  return (
    <label className="filter" title="The Talos release whose schema checks this config">
      <span>Talos</span>
      <input
        aria-label="Talos version"
        className="mono version"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => e.key === 'Enter' && void save()}
      />
    </label>
  );
}

/** The profile's name; a click turns it into a field to rename it (Enter saves, Escape leaves it). */
export function ProfileTitle({ profile }: { profile: ConfigProfile }) {
  const client = useClient();
  const [renaming, setRenaming] = useState<string | null>(null);
  const send = useMutation((name: string) => client.call('config.rename', { profileId: profile.id, name }), {
    failure: 'Could not rename',
    onSuccess: (_, name) => {
      setRenaming(null);
      toast('success', `Renamed to ${name}`, 'Its revisions, assignments and history are unchanged.');
    },
  });
  const rename = async () => {
    if (renaming === null) return;
    const name = renaming.trim();
    if (!name) return void toast('error', 'Give the config a name.');
    if (name === profile.name) return setRenaming(null);
    await send.run(name);
  };
  if (renaming === null) {
    return (
      <h2>
        <button type="button" className="link title" title="Rename" onClick={() => setRenaming(profile.name)}>
          {profile.name}
        </button>
      </h2>
    );
  }
  return (
    <form
      className="rename"
      onSubmit={(e) => {
        e.preventDefault();
        void rename();
      }}
    >
      <input
        aria-label="Config name"
        autoFocus
        value={renaming}
        maxLength={80}
        onChange={(e) => setRenaming(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
      />
      <button type="submit" disabled={send.busy}>
        Rename
      </button>
    </form>
  );
}

/** Beside the editor: assignments and a node's preview (or what a runbook is), then history or what provisioning receives. */
export function ConfigSidePane({
  profile,
  panel,
  history,
  rendered,
  onCompare,
  onRestore,
}: {
  profile: ConfigProfile;
  panel: 'preview' | 'history';
  history: ConfigRevisionSummary[];
  rendered: string | null;
  onCompare(leftId: string, rightId: string): void;
  onRestore(revision: ConfigRevisionSummary): void;
}) {
  return (
    <div className="config-pane side">
      {profile.kind === 'runbook' ? (
        <section className="compiled" aria-label="How this runbook runs">
          <h3>A runbook</h3>
          <p className="muted">
            Not user data: run it on nodes from their details or the selection bar (Run runbook…). It logs in on the serial console with the credential it names
            (Connections → Console credentials), runs its steps, and ends with its verification. Variables: {'{{hostname}}'}, {'{{user}}'},{' '}
            {'{{bootedVersion}}'}, {'{{targetVersion}}'} (rollbacks only). A password is sent only by a step of its own ({'sendCredential: <name>'}) and is
            masked in every window, log and transcript.
          </p>
        </section>
      ) : (
        <>
          <AssignmentsPanel profile={profile} />
          <NodePreview profile={profile} />
        </>
      )}
      {panel === 'history' ? (
        <HistoryPanel key={history[0]?.id ?? 'none'} profile={profile} history={history} onCompare={onCompare} onRestore={onRestore} />
      ) : profile.kind === 'butane' ? (
        <section aria-label="Compiled Ignition" className="compiled">
          <h3>Ignition {rendered ? specLabel(rendered) : ''}</h3>
          {rendered ? <pre className="mono">{rendered}</pre> : <p className="muted">Fix the errors to see the Ignition this compiles to.</p>}
        </section>
      ) : profile.kind === 'runbook' ? null : (
        <section className="compiled">
          <h3>What provisioning receives</h3>
          <p className="muted">This document is sent to the node as its user data, as written.</p>
        </section>
      )}
    </div>
  );
}
