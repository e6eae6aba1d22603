/**
 * Declarative node config: named profiles on the left; the open one in a schema-checked editor with
 * lint at the exact line, Butane's compiled Ignition live beside it, save with a message (Ctrl+S),
 * the revision history, restore as a new revision, and a diff between any two revisions.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { checkDocument } from '../../../../shared/config/documents';
import { describeDiagnostic, hasErrors, type ConfigDiagnostic } from '../../../../shared/config/diagnostics';
import { APPLY_MEANING, CONFIG_KINDS, CONFIG_KIND_LABELS, kindMismatch, type ConfigKind } from '../../../../shared/config/kinds';
import { confirm } from '../../app/confirm';
import { VARIABLES } from '../../../../shared/config/variables';
import type { ConfigProfile, ConfigRevisionSummary } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { loadProfiles, selectProfile, useConfigProfiles } from '../../stores/config';
import { useDrift } from '../../stores/drift';
import { useFleet } from '../../stores/fleet';
import { toast } from '../../stores/toasts';
import { useUi } from '../../stores/ui';
import { dateTime } from '../../util/format';
import { CodeEditor, type CodeEditorHandle } from './CodeEditor';
import { DiffView } from './DiffView';
import { formatDocument, languageOf, TEMPLATES } from './templates';

function NewProfileForm({ onCreated, onCancel }: { onCreated(profile: ConfigProfile): void; onCancel(): void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ConfigKind>('butane');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setError('Give the config a name.');
    if (name.trim().length > 80) return setError(`The name can be at most 80 characters (this one has ${name.trim().length}).`);
    setBusy(true);
    try {
      onCreated(await client.call('config.create', { name: name.trim(), kind, content: TEMPLATES[kind], message: 'Started from the template' }));
    } catch (e) {
      setError(errorData(e).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form new-config" noValidate onSubmit={(e) => void submit(e)} aria-label="New config">
      <label className="field">
        <span>Name</span>
        <input autoFocus value={name} onChange={(e) => (setName(e.target.value), setError(null))} placeholder="k8s workers (am6)" aria-invalid={error ? true : undefined} />
      </label>
      <label className="field">
        <span>Kind</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as ConfigKind)}>
          {CONFIG_KINDS.map((k) => (
            <option key={k} value={k}>
              {CONFIG_KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {error && <span className="field-error">{error}</span>}
      <div className="modal-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </div>
    </form>
  );
}

function RevisionSelect({ label, name, value, history, onChange }: { label: string; name: string; value: string; history: ConfigRevisionSummary[]; onChange(id: string): void }) {
  return (
    <label className="filter">
      <span>{label}</span>
      <select aria-label={name} value={value} onChange={(e) => onChange(e.target.value)}>
        {history.map((r) => (
          <option key={r.id} value={r.id}>
            r{r.number} · {r.message}
          </option>
        ))}
      </select>
    </label>
  );
}

function HistoryPanel({ profile, history, onCompare, onRestore }: { profile: ConfigProfile; history: ConfigRevisionSummary[]; onCompare(a: string, b: string): void; onRestore(rev: ConfigRevisionSummary): void }) {
  // Newest against the one before it; the panel is keyed by the newest, so a new save resets the pick.
  const [left, setLeft] = useState<string>(history[1]?.id ?? history[0]?.id ?? '');
  const [right, setRight] = useState<string>(history[0]?.id ?? '');
  return (
    <section className="config-history" aria-label={`History of ${profile.name}`}>
      <div className="diff-pick">
        <RevisionSelect label="Compare" name="Older revision" value={left} history={history} onChange={setLeft} />
        <RevisionSelect label="with" name="Newer revision" value={right} history={history} onChange={setRight} />
        <button type="button" disabled={!left || !right || left === right} onClick={() => onCompare(left, right)}>
          Show diff
        </button>
      </div>
      <ol className="revisions">
        {history.map((r, i) => (
          <li key={r.id}>
            <strong>r{r.number}</strong> <span>{r.message}</span>
            <span className="muted">
              {' '}
              · {r.author} · {dateTime(r.createdAt)} · <span className="mono">{r.contentHash.slice(0, 12)}</span>
            </span>
            {i > 0 && (
              <button type="button" className="link" onClick={() => onRestore(r)}>
                Restore as r{history[0]!.number + 1}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

interface SchemaStatus {
  kind: 'ignition' | 'talos' | 'cloud-config';
  source: string;
  fetchedAt: string | null;
  problem: string | null;
}

/** Where each kind's upstream JSON Schema comes from, when it was fetched, and why not if it was not. */
function SchemasPanel({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [status, setStatus] = useState<SchemaStatus[] | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    void client.call('config.schemas', {}).then(setStatus, (e: unknown) => toast('error', 'Could not read the schema settings', errorData(e).message));
  }, [client]);
  const run = async (kind: SchemaStatus['kind'], call: () => Promise<SchemaStatus[]>) => {
    setBusy(kind);
    try {
      setStatus(await call());
      toast('success', `Fetched the ${kind} schema`);
    } catch (e) {
      toast('error', `Could not use that ${kind} schema`, errorData(e).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="card schemas" aria-label="Schemas">
      <div className="config-list-head">
        <h3>Schemas</h3>
        <button type="button" className="icon" aria-label="Close schemas" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="muted">Upstream JSON Schemas check Ignition, Talos and cloud-config. For an air-gapped site, point each at a mirror URL or a file.</p>
      {status?.map((s) => (
        <div key={s.kind} className="schema-row">
          <label className="field">
            <span>{CONFIG_KIND_LABELS[s.kind]}</span>
            <input className="mono" value={drafts[s.kind] ?? s.source} onChange={(e) => setDrafts((d) => ({ ...d, [s.kind]: e.target.value }))} spellCheck={false} />
          </label>
          <span className={s.problem ? 'field-error' : 'muted'}>{s.problem ?? (s.fetchedAt ? `fetched ${dateTime(s.fetchedAt)}` : 'not fetched yet (fetched when first needed)')}</span>
          <div className="assign-controls">
            <button type="button" disabled={busy === s.kind || (drafts[s.kind] ?? s.source) === s.source} onClick={() => void run(s.kind, () => client.call('config.setSchemaSource', { kind: s.kind, source: drafts[s.kind] ?? s.source }))}>
              Use this source
            </button>
            <button type="button" disabled={busy === s.kind} onClick={() => void run(s.kind, () => client.call('config.refreshSchema', { kind: s.kind }))}>
              Fetch again
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

/** The latest revision as one node receives it, variables filled in. */
function NodePreview({ profile }: { profile: ConfigProfile }) {
  const client = useClient();
  const drift = useDrift((s) => s.byNode);
  const nodes = useFleet((s) => s.nodes);
  const managed = [...drift.values()].filter((d) => d.profileId === profile.id);
  const [nodeId, setNodeId] = useState('');
  const [preview, setPreview] = useState<{ nodeId: string; text: string } | null>(null);
  useEffect(() => {
    if (!nodeId) return;
    let cancelled = false;
    void client.call('config.preview', { profileId: profile.id, nodeId }).then(
      (result) => !cancelled && setPreview({ nodeId, text: result.rendered }),
      (e: unknown) => toast('error', 'Could not render the preview', errorData(e).message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, profile.id, profile.latest?.id, nodeId]);
  return (
    <section className="compiled" aria-label="Preview for a node">
      <h3>Variables</h3>
      <p className="muted">
        Write <span className="mono">{'{{ hostname }}'}</span>, <span className="mono">{'{{ public_ipv4 }}'}</span> and the like; each node gets its own values.{' '}
        <span title={Object.entries(VARIABLES).map(([name, v]) => `${name}: ${v.describe}`).join('\n')} className="link">All variables</span>
      </p>
      {managed.length > 0 && (
        <label className="filter">
          <span>Preview for</span>
          <select aria-label="Preview for node" value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
            <option value="">Choose a node…</option>
            {managed.map((d) => (
              <option key={d.nodeId} value={d.nodeId}>
                {nodes.get(d.nodeId)?.hostname ?? d.nodeId}
              </option>
            ))}
          </select>
        </label>
      )}
      {preview && preview.nodeId === nodeId && <pre className="mono" data-testid="node-preview">{preview.text}</pre>}
    </section>
  );
}

interface Assignment {
  profileId: string;
  targetKind: 'node' | 'tag';
  target: string;
}

/** Which nodes get this config: by tag or by node, and how many of them are in sync now. */
function AssignmentsPanel({ profile }: { profile: ConfigProfile }) {
  const client = useClient();
  const nodes = useFleet((s) => s.nodes);
  const selection = useUi((s) => s.selection);
  const drift = useDrift((s) => s.byNode);
  const [assignments, setAssignments] = useState<Assignment[]>([]);
  const tags = useMemo(() => [...new Set([...nodes.values()].flatMap((n) => n.tags))].sort(), [nodes]);
  const [tag, setTag] = useState('');
  useEffect(() => {
    void client.call('config.assignments', {}).then(setAssignments, () => undefined);
  }, [client, profile.id, profile.latest?.id]);
  const mine = assignments.filter((a) => a.profileId === profile.id);
  const states = [...drift.values()].filter((d) => d.profileId === profile.id);
  const inSync = states.filter((d) => d.state === 'in_sync').length;
  // Only nodes whose OS reads this kind of config can take it; the rest are named, not sent.
  const driftedAll = states.filter((d) => d.state === 'drifted');
  const drifted = driftedAll.filter((d) => !kindMismatch(profile.kind, nodes.get(d.nodeId)?.os.family ?? ''));
  const incompatible = driftedAll.length - drifted.length;
  const apply = async () => {
    const number = profile.latest?.number ?? 0;
    const names = drifted.slice(0, 5).map((d) => nodes.get(d.nodeId)?.hostname ?? d.nodeId);
    const ok = await confirm({
      title: `Apply ${profile.name} r${number} to ${drifted.length} node${drifted.length === 1 ? '' : 's'}?`,
      body: `${names.join(', ')}${drifted.length > names.length ? ` and ${drifted.length - names.length} more` : ''}. Their user data becomes r${number}. ${APPLY_MEANING[profile.kind]}`,
      confirmLabel: `Apply r${number} to ${drifted.length} node${drifted.length === 1 ? '' : 's'}`,
      tone: 'danger',
      typeToConfirm: drifted.length > 1 ? String(drifted.length) : undefined,
    });
    if (!ok) return;
    try {
      const result = await client.call('config.apply', { profileId: profile.id, nodeIds: drifted.map((d) => d.nodeId) });
      const failed = result.results.filter((r) => !r.ok);
      if (failed.length === 0) toast('success', `Applied r${result.revision} to ${result.results.length} node${result.results.length === 1 ? '' : 's'}`, result.takesEffect);
      else toast('error', `Applied r${result.revision} to ${result.results.length - failed.length} of ${result.results.length} nodes`, failed.slice(0, 3).map((r) => `${r.hostname}: ${r.error?.message ?? 'failed'}`).join('\n'));
    } catch (e) {
      toast('error', 'Could not apply', errorData(e).message);
    }
  };
  const run = async (call: () => Promise<Assignment[]>, done: string) => {
    try {
      setAssignments(await call());
      toast('success', done);
    } catch (e) {
      toast('error', 'Could not change the assignment', errorData(e).message);
    }
  };
  return (
    <section className="assignments" aria-label={`Assignments of ${profile.name}`}>
      <h3>Assigned to</h3>
      {mine.length === 0 ? (
        <p className="muted">No nodes yet. Assign this config to a tag or to nodes; drift then shows in the fleet.</p>
      ) : (
        <ul className="plain">
          {mine.map((a) => (
            <li key={`${a.targetKind}:${a.target}`}>
              {a.targetKind === 'tag' ? (
                <>
                  tag <span className="tag">{a.target}</span>
                </>
              ) : (
                <span className="mono">{nodes.get(a.target)?.hostname ?? a.target}</span>
              )}{' '}
              <button type="button" className="link" aria-label={`Unassign ${a.target}`} onClick={() => void run(() => client.call('config.unassign', { targetKind: a.targetKind, target: a.target }), `Unassigned ${profile.name}`)}>
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {states.length > 0 && (
        <p role="status" aria-label="Sync summary">
          {inSync} of {states.length} node{states.length === 1 ? '' : 's'} in sync{states.length - inSync > 0 ? `, ${states.length - inSync} drifted or being read` : ''}.
        </p>
      )}
      {drifted.length > 0 && (
        <p>
          <button type="button" className="danger-outline" onClick={() => void apply()}>
            Apply r{profile.latest?.number} to {drifted.length} drifted node{drifted.length === 1 ? '' : 's'}
          </button>{' '}
          <span className="muted">{APPLY_MEANING[profile.kind]}</span>
        </p>
      )}
      {incompatible > 0 && (
        <p className="notice warn">
          {incompatible} assigned node{incompatible === 1 ? '' : 's'} cannot take this config: {incompatible === 1 ? 'it runs' : 'they run'} an OS that does not read {CONFIG_KIND_LABELS[profile.kind]}.
          Assign {incompatible === 1 ? 'it' : 'them'} a config of {incompatible === 1 ? 'its' : 'their'} own kind.
        </p>
      )}
      <div className="assign-controls">
        <select aria-label="Tag to assign" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">Choose a tag…</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="button" disabled={!tag} onClick={() => void run(() => client.call('config.assign', { profileId: profile.id, tag }), `Assigned ${profile.name} to tag ${tag}`)}>
          Assign to tag
        </button>
        {selection.size > 0 && (
          <button type="button" onClick={() => void run(() => client.call('config.assign', { profileId: profile.id, nodeIds: [...selection] }), `Assigned ${profile.name} to ${selection.size} nodes`)}>
            Assign to the {selection.size} selected node{selection.size === 1 ? '' : 's'}
          </button>
        )}
      </div>
    </section>
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
    setDraft(formatted);
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
      const keepDraft = base?.profileId === profile.id && draft !== base.content; // someone else saved: keep what I typed
      setBase({ profileId: profile.id, revisionId: revision.id, content: revision.content });
      if (!keepDraft) setDraft(revision.content);
      setHistory(revisions);
    });
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, profile?.id, latestId]);

  const kind = profile?.kind ?? 'butane';
  // Instant, in the window: Ironpane's own checks and Butane's compiled output. Then, from main, the
  // same checks plus the upstream schema; what main said wins for the text it was asked about.
  // Deferred: on a 2,000-line document this takes ~20 ms, which must not sit on every keystroke.
  const deferredDraft = useDeferredValue(draft);
  const local = useMemo(() => (profile ? checkDocument(kind, deferredDraft) : null), [profile, kind, deferredDraft]);
  const [remote, setRemote] = useState<{ text: string; diagnostics: ConfigDiagnostic[] } | null>(null);
  const diagnostics = remote && remote.text === draft ? remote.diagnostics : (local?.diagnostics ?? []);
  const checked = local ? { ...local, diagnostics } : null;
  const lint = async (text: string): Promise<ConfigDiagnostic[]> => {
    if (!profile) return [];
    try {
      const result = await client.call('config.check', { kind: profile.kind, content: text });
      setRemote({ text, diagnostics: result.diagnostics });
      return result.diagnostics;
    } catch {
      return checkDocument(profile.kind, text).diagnostics;
    }
  };
  const schemaKind = kind === 'ignition' || kind === 'talos' || kind === 'cloud-config' ? kind : null;
  const dirty = base !== null && draft !== base.content;
  const errors = diagnostics.filter((d) => d.severity === 'error');

  const save = async () => {
    if (!profile || saving) return;
    if (!dirty) return void toast('info', 'Nothing to save', `r${profile.latest?.number} is what the editor shows.`);
    if (checked && hasErrors(checked.diagnostics)) return void toast('error', 'Fix the errors before saving', describeDiagnostic(errors[0]!));
    setSaving(true);
    try {
      const revision = await client.call('config.save', { profileId: profile.id, content: draft, message });
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
        {showSchemas && <SchemasPanel onClose={() => setShowSchemas(false)} />}
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
            <span className="muted">
              r{profile.latest?.number}
              {dirty ? ' · edited' : ''}
            </span>
            <span className={`badge ${errors.length ? 'outcome-failed' : 'outcome-succeeded'}`} role="status" aria-label="Check result">
              {errors.length ? `${errors.length} error${errors.length === 1 ? '' : 's'}` : `✓ valid${checked?.diagnostics.length ? ` · ${checked.diagnostics.length} warning${checked.diagnostics.length === 1 ? '' : 's'}` : ''}`}
            </span>
            <span className="sep" />
            <input aria-label="Revision message" placeholder="What changed (optional)" value={message} onChange={(e) => setMessage(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void save()} />
            <button type="button" className="primary" disabled={!dirty || saving || errors.length > 0} title="Ctrl+S" onClick={() => void save()}>
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
                  complete={schemaKind ? (text, offset) => client.call('config.complete', { kind: schemaKind, content: text, offset }).catch(() => []) : undefined}
                  hover={schemaKind ? (text, offset) => client.call('config.hover', { kind: schemaKind, content: text, offset }).catch(() => null) : undefined}
                  onChange={setDraft}
                  onSave={() => void save()}
                />
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
                <AssignmentsPanel profile={profile} />
                <NodePreview profile={profile} />
                {panel === 'history' ? (
                  <HistoryPanel key={history[0]?.id ?? 'none'} profile={profile} history={history} onCompare={(a, b) => void compare(a, b)} onRestore={(r) => void restore(r)} />
                ) : profile.kind === 'butane' ? (
                  <section aria-label="Compiled Ignition" className="compiled">
                    <h3>Ignition {checked?.rendered ? `(spec ${JSON.parse(checked.rendered).ignition.version})` : ''}</h3>
                    {checked?.rendered ? <pre className="mono">{checked.rendered}</pre> : <p className="muted">Fix the errors to see the Ignition this compiles to.</p>}
                  </section>
                ) : (
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
