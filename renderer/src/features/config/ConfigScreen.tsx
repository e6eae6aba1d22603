/**
 * Declarative node config: named profiles on the left; the open one in a schema-checked editor with
 * lint at the exact line, Butane's compiled Ignition live beside it, save with a message (Ctrl+S),
 * the revision history, restore as a new revision, and a diff between any two revisions.
 */
import { useEffect, useRef, useState } from 'react';
import { checkDocument, type CheckResult } from '../../../../shared/config/documents';
import { describeDiagnostic, hasErrors, type ConfigDiagnostic } from '../../../../shared/config/diagnostics';
import { CONFIG_KIND_LABELS, DEFAULT_TALOS_VERSION } from '../../../../shared/config/kinds';
import type { ConfigProfile, ConfigRevisionSummary } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { forgetDraft, loadProfiles, rememberDraft, selectProfile, useConfigDrafts, useConfigProfiles } from '../../stores/config';
import { toast } from '../../stores/toasts';
import { useUi } from '../../stores/ui';
import { CodeEditor, type CodeEditorHandle } from './CodeEditor';
import { AssignmentsPanel, HistoryPanel, NewProfileForm, NodePreview, SchemasPanel } from './ConfigPanels';
import { DiffView } from './DiffView';
import { formatDocument, languageOf } from './templates';

/** "(spec 3.4.0)" from compiled Ignition; nothing rather than a crash for anything else. */
function specLabel(rendered: string): string {
  try {
    const version = (JSON.parse(rendered) as { ignition?: { version?: unknown } }).ignition?.version;
    return typeof version === 'string' ? `(spec ${version})` : '';
  } catch {
    return '';
  }
}

const talosVersionOf = (profile: ConfigProfile) => (profile.kind === 'talos' && profile.talosVersion ? { talosVersion: profile.talosVersion } : {});

/** Which Talos release checks this profile: its schema is fetched for that version. */
function TalosVersionField({ profileId, version }: { profileId: string; version: string | null }) {
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
      <input aria-label="Talos version" className="mono version" value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={() => void save()} onKeyDown={(e) => e.key === 'Enter' && void save()} />
    </label>
  );
}

export function ConfigScreen() {
  const client = useClient();
  const profiles = useConfigProfiles((s) => s.profiles);
  const loaded = useConfigProfiles((s) => s.loaded);
  const selectedId = useConfigProfiles((s) => s.selectedId);
  const dark = useUi((s) => s.theme) === 'dark';
  const profile = profiles.find((p) => p.id === selectedId) ?? null;
  const [creating, setCreating] = useState(false);
  const [showSchemas, setShowSchemas] = useState(false);
  const [draft, setDraft] = useState('');
  const [base, setBase] = useState<{ profileId: string; revisionId: string; content: string } | null>(null);
  const [message, setMessage] = useState('');
  const [history, setHistory] = useState<ConfigRevisionSummary[]>([]);
  const [panel, setPanel] = useState<'preview' | 'history'>('preview');
  const [diff, setDiff] = useState<{ left: string; right: string; leftLabel: string; rightLabel: string } | null>(null);
  const [diffMode, setDiffMode] = useState<'split' | 'unified'>('split');
  const [saving, setSaving] = useState(false);
  const editorRef = useRef<CodeEditorHandle>(null);
  const [renaming, setRenaming] = useState<string | null>(null);

  const rename = async () => {
    if (!profile || renaming === null) return;
    const name = renaming.trim();
    if (!name) return void toast('error', 'Give the config a name.');
    if (name === profile.name) return setRenaming(null);
    try {
      await client.call('config.rename', { profileId: profile.id, name });
      setRenaming(null);
      toast('success', `Renamed to ${name}`, 'Its revisions, assignments and history are unchanged.');
    } catch (e) {
      toast('error', 'Could not rename', errorData(e).message);
    }
  };

  /** Re-indents the document: JSON two spaces; YAML through the yaml library, comments kept. */
  const format = () => {
    if (!profile) return;
    const formatted = formatDocument(profile.kind, draft);
    if (formatted === null) return void toast('error', 'Fix the syntax errors before formatting');
    onEdit(formatted);
  };

  useEffect(() => {
    void loadProfiles(client).catch((e: unknown) => toast('error', 'Could not load configs', errorData(e).message));
  }, [client]);

  // Open the latest revision of the selected profile (again when another window saved one).
  const latestId = profile?.latest?.id;
  useEffect(() => {
    if (!profile || !latestId) return;
    if (base?.profileId === profile.id && base.revisionId === latestId) return;
    let cancelled = false;
    void Promise.all([client.call('config.revision', { revisionId: latestId }), client.call('config.history', { profileId: profile.id })]).then(([revision, revisions]) => {
      if (cancelled) return;
      // What I typed in this profile before (another config selected meanwhile, a reload, or someone
      // else saving a newer revision) comes back; it is never silently replaced.
      const kept = useConfigDrafts.getState().drafts[profile.id];
      setBase({ profileId: profile.id, revisionId: revision.id, content: revision.content });
      if (kept && kept.content !== revision.content) {
        setDraft(kept.content);
        if (kept.revisionId !== revision.id) toast('info', `Your unsaved edits to ${profile.name} are kept`, `They were made on an older revision; r${revision.number} is the latest. Compare in History before saving.`);
      } else {
        forgetDraft(profile.id);
        setDraft(revision.content);
      }
      setHistory(revisions);
    });
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, profile?.id, latestId]);

  const kind = profile?.kind ?? 'butane';
  // One check per pause in typing, in main (Ironpane's checks plus the upstream schema), driven by
  // the editor's linter; it gives the problems, the badge, and Butane's compiled Ignition. Until the
  // answer for the current text arrives the screen says "checking". Offline, the window checks itself.
  // Keyed by profile and kind as well as text: a check of the previous profile's text, read as this
  // one's (a cloud-config's result as Butane's compiled Ignition), blanked the whole window.
  const [checkedFor, setCheckedFor] = useState<({ text: string; profileId: string; kind: string } & CheckResult) | null>(null);
  const checked = checkedFor && profile && checkedFor.text === draft && checkedFor.profileId === profile.id && checkedFor.kind === profile.kind ? checkedFor : null;
  const diagnostics = checked?.diagnostics ?? [];
  const lint = async (text: string): Promise<ConfigDiagnostic[]> => {
    if (!profile) return [];
    const { id: profileId, kind: checkedKind } = profile;
    const result = await client.call('config.check', { kind: checkedKind, content: text, ...talosVersionOf(profile) }).catch(() => checkDocument(checkedKind, text));
    setCheckedFor({ text, profileId, kind: checkedKind, ...result });
    return result.diagnostics;
  };
  const onEdit = (text: string) => {
    setDraft(text);
    if (profile && base?.profileId === profile.id) rememberDraft(profile.id, base.revisionId, text, base.content);
  };
  // Kinds with completion and hover: the fetched schemas, and Butane from its translator's field table.
  const schemaKind = kind === 'ignition' || kind === 'talos' || kind === 'cloud-config' || kind === 'butane' ? kind : null;
  const dirty = base !== null && draft !== base.content;
  const errors = diagnostics.filter((d) => d.severity === 'error');

  const save = async () => {
    if (!profile || saving) return;
    if (!dirty) return void toast('info', 'Nothing to save', `r${profile.latest?.number} is what the editor shows.`);
    if (!checked) return void toast('info', 'Still checking the document', 'Save again in a moment.');
    if (hasErrors(checked.diagnostics)) return void toast('error', 'Fix the errors before saving', describeDiagnostic(errors[0]!));
    setSaving(true);
    try {
      const revision = await client.call('config.save', { profileId: profile.id, content: draft, message });
      forgetDraft(profile.id);
      setMessage('');
      toast('success', `Saved r${revision.number} of ${profile.name}`);
    } catch (e) {
      toast('error', 'Could not save', errorData(e).message);
    } finally {
      setSaving(false);
    }
  };

  const compare = async (leftId: string, rightId: string) => {
    try {
      const [left, right] = await Promise.all([client.call('config.revision', { revisionId: leftId }), client.call('config.revision', { revisionId: rightId })]);
      setDiff({ left: left.content, right: right.content, leftLabel: `r${left.number}`, rightLabel: `r${right.number}` });
    } catch (e) {
      toast('error', 'Could not load the revisions', errorData(e).message);
    }
  };

  const restore = async (revision: ConfigRevisionSummary) => {
    try {
      const restored = await client.call('config.restore', { revisionId: revision.id });
      toast('success', `Restored r${revision.number} as r${restored.number}`);
    } catch (e) {
      toast('error', 'Could not restore', errorData(e).message);
    }
  };

  return (
    <div className="config-screen">
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
        {showSchemas && <SchemasPanel onClose={() => setShowSchemas(false)} onChanged={() => editorRef.current?.recheck()} />}
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
        {loaded && profiles.length === 0 && !creating && <p className="muted">No configs yet. A config is a named Butane, Ignition, Talos or cloud-init document with a history of revisions.</p>}
        <ul role="listbox" aria-label="Config profiles">
          {profiles.map((p) => (
            <li key={p.id} role="option" aria-selected={p.id === selectedId} className={p.id === selectedId ? 'current' : ''} onClick={() => (selectProfile(p.id), setDiff(null))}>
              <strong>{p.name}</strong>
              <span className="muted">
                {CONFIG_KIND_LABELS[p.kind]} · r{p.latest?.number ?? 0}
              </span>
            </li>
          ))}
        </ul>
      </aside>

      {profile ? (
        <section className="config-main" aria-label={`Config ${profile.name}`}>
          <header className="config-toolbar">
            {renaming !== null ? (
              <form
                className="rename"
                onSubmit={(e) => {
                  e.preventDefault();
                  void rename();
                }}
              >
                <input aria-label="Config name" autoFocus value={renaming} maxLength={80} onChange={(e) => setRenaming(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)} />
                <button type="submit">Rename</button>
              </form>
            ) : (
              <h2>
                <button type="button" className="link title" title="Rename" onClick={() => setRenaming(profile.name)}>
                  {profile.name}
                </button>
              </h2>
            )}
            <span className="badge">{CONFIG_KIND_LABELS[profile.kind]}</span>
            {profile.kind === 'talos' && <TalosVersionField profileId={profile.id} version={profile.talosVersion} />}
            <span className="muted">
              r{profile.latest?.number}
              {dirty ? ' · edited' : ''}
            </span>
            <span className={`badge ${!checked ? 'outcome-accepted' : errors.length ? 'outcome-failed' : 'outcome-succeeded'}`} role="status" aria-label="Check result">
              {!checked ? 'checking…' : errors.length ? `${errors.length} error${errors.length === 1 ? '' : 's'}` : `✓ valid${diagnostics.length ? ` · ${diagnostics.length} warning${diagnostics.length === 1 ? '' : 's'}` : ''}`}
            </span>
            <span className="sep" />
            <input
              aria-label="Revision message"
              placeholder="What changed (optional)"
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              onKeyDown={(e) => {
                // Enter or Ctrl+S saves from here too, as it does from the editor.
                if (e.key === 'Enter' || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's')) {
                  e.preventDefault();
                  void save();
                }
              }}
            />
            <button type="button" className="primary" disabled={!dirty || saving || !checked || errors.length > 0} title="Ctrl+S" onClick={() => void save()}>
              Save r{(profile.latest?.number ?? 0) + 1}
            </button>
            <button type="button" title="Format the document (keeps comments)" disabled={profile.kind === 'script'} onClick={format}>
              Format
            </button>
            <button type="button" aria-pressed={panel === 'history'} onClick={() => setPanel(panel === 'history' ? 'preview' : 'history')}>
              History ({profile.revisionCount})
            </button>
          </header>
          {diff ? (
            <div className="config-diff">
              <div className="config-toolbar">
                <strong>
                  {diff.leftLabel} → {diff.rightLabel}
                </strong>
                <label className="filter">
                  <span>View</span>
                  <select aria-label="Diff layout" value={diffMode} onChange={(e) => setDiffMode(e.target.value as 'split' | 'unified')}>
                    <option value="split">Side by side</option>
                    <option value="unified">Unified</option>
                  </select>
                </label>
                <button type="button" onClick={() => setDiff(null)}>
                  Back to the editor
                </button>
              </div>
              <DiffView left={diff.left} right={diff.right} language={languageOf(profile.kind)} mode={diffMode} dark={dark} />
            </div>
          ) : (
            <div className="config-panes">
              <div className="config-pane">
                <CodeEditor
                  ref={editorRef}
                  label="Config document"
                  value={draft}
                  language={languageOf(profile.kind)}
                  dark={dark}
                  check={lint}
                  complete={schemaKind ? (text, offset) => client.call('config.complete', { kind: schemaKind, content: text, offset, ...talosVersionOf(profile) }).catch(() => []) : undefined}
                  hover={schemaKind ? (text, offset) => client.call('config.hover', { kind: schemaKind, content: text, offset, ...talosVersionOf(profile) }).catch(() => null) : undefined}
                  onChange={onEdit}
                  onSave={() => void save()}
                />
                {!schemaKind && (
                  <p className="muted small" data-testid="no-completion">
                    No completion or hover here: {kind === 'runbook' ? 'a runbook is a list of steps, checked when saved' : 'a user-data script is free text, run as is'} (Ctrl+Space completes keys in Butane, Ignition, Talos and cloud-config).
                  </p>
                )}
                {checked && checked.diagnostics.length > 0 && (
                  <ul className="problems" aria-label="Problems">
                    {checked.diagnostics.slice(0, 50).map((d, i) => (
                      <li key={i} className={d.severity === 'error' ? 'error' : 'warn'}>
                        {d.severity === 'error' ? '✗' : '!'} {describeDiagnostic(d)}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              <div className="config-pane side">
                {profile.kind === 'runbook' ? (
                  <section className="compiled" aria-label="How this runbook runs">
                    <h3>A runbook</h3>
                    <p className="muted">
                      Not user data: run it on nodes from their details or the selection bar (Run runbook…). It logs in on the serial console with the credential it names (Connections → Console
                      credentials), runs its steps, and ends with its verification. Variables: {'{{hostname}}'}, {'{{user}}'},{' '}
                      {'{{bootedVersion}}'}, {'{{targetVersion}}'} (rollbacks only). A password is sent only by a step of its own ({'sendCredential: <name>'}) and is masked in every window, log and
                      transcript.
                    </p>
                  </section>
                ) : (
                  <>
                    <AssignmentsPanel profile={profile} />
                    <NodePreview profile={profile} />
                  </>
                )}
                {panel === 'history' ? (
                  <HistoryPanel key={history[0]?.id ?? 'none'} profile={profile} history={history} onCompare={(a, b) => void compare(a, b)} onRestore={(r) => void restore(r)} />
                ) : profile.kind === 'butane' ? (
                  <section aria-label="Compiled Ignition" className="compiled">
                    <h3>Ignition {checked?.rendered ? specLabel(checked.rendered) : ''}</h3>
                    {checked?.rendered ? <pre className="mono">{checked.rendered}</pre> : <p className="muted">Fix the errors to see the Ignition this compiles to.</p>}
                  </section>
                ) : profile.kind === 'runbook' ? null : (
                  <section className="compiled">
                    <h3>What provisioning receives</h3>
                    <p className="muted">This document is sent to the node as its user data, as written.</p>
                  </section>
                )}
              </div>
            </div>
          )}
        </section>
      ) : (
        <div className="empty">
          <p>Pick a config on the left, or create one.</p>
        </div>
      )}
    </div>
  );
}
