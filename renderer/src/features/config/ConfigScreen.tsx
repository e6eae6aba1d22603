/**
 * Declarative node config: named profiles on the left; the open one in a schema-checked editor with
 * lint at the exact line, Butane's compiled Ignition live beside it, save with a message (Ctrl+S),
 * the revision history, restore as a new revision, and a diff between any two revisions.
 */
import { useEffect, useRef, useState } from 'react';
import { checkDocument, type CheckResult } from '../../../../shared/config/documents';
import { describeDiagnostic, hasErrors, type ConfigDiagnostic } from '../../../../shared/config/diagnostics';
import { CONFIG_KIND_LABELS } from '../../../../shared/config/kinds';
import type { ConfigProfile, ConfigRevisionSummary } from '../../../../shared/model';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { forgetDraft, loadProfiles, rememberDraft, useConfigDrafts, useConfigProfiles } from '../../stores/config';
import { toast } from '../../stores/toasts';
import { useUi } from '../../stores/ui';
import { CodeEditor, type CodeEditorHandle } from './CodeEditor';
import { ConfigList } from './ConfigList';
import { ConfigSidePane, ProfileTitle, TalosVersionField } from './ConfigParts';
import { Button } from '../../ui/Button';
import { useMutation } from '../../ui/use-mutation';
import { DiffView } from './DiffView';
import { formatDocument, languageOf } from './templates';

const talosVersionOf = (profile: ConfigProfile) => (profile.kind === 'talos' && profile.talosVersion ? { talosVersion: profile.talosVersion } : {});

export function ConfigScreen() {
  const client = useClient();
  const profiles = useConfigProfiles((s) => s.profiles);
  const selectedId = useConfigProfiles((s) => s.selectedId);
  const dark = useUi((s) => s.theme) === 'dark';
  const profile = profiles.find((p) => p.id === selectedId) ?? null;
  const [draft, setDraft] = useState('');
  const [base, setBase] = useState<{ profileId: string; revisionId: string; content: string } | null>(null);
  const [message, setMessage] = useState('');
  const [history, setHistory] = useState<ConfigRevisionSummary[]>([]);
  const [panel, setPanel] = useState<'preview' | 'history'>('preview');
  const [diff, setDiff] = useState<{ left: string; right: string; leftLabel: string; rightLabel: string } | null>(null);
  const [diffMode, setDiffMode] = useState<'split' | 'unified'>('split');
  const editorRef = useRef<CodeEditorHandle>(null);

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
    void Promise.all([client.call('config.revision', { revisionId: latestId }), client.call('config.history', { profileId: profile.id })]).then(
      ([revision, revisions]) => {
        if (cancelled) return;
        // What I typed in this profile before (another config selected meanwhile, a reload, or someone
        // else saving a newer revision) comes back; it is never silently replaced.
        const kept = useConfigDrafts.getState().drafts[profile.id];
        setBase({ profileId: profile.id, revisionId: revision.id, content: revision.content });
        if (kept && kept.content !== revision.content) {
          setDraft(kept.content);
          if (kept.revisionId !== revision.id)
            toast(
              'info',
              `Your unsaved edits to ${profile.name} are kept`,
              `They were made on an older revision; r${revision.number} is the latest. Compare in History before saving.`,
            );
        } else {
          forgetDraft(profile.id);
          setDraft(revision.content);
        }
        setHistory(revisions);
      },
    );
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
  const checked =
    checkedFor && profile && checkedFor.text === draft && checkedFor.profileId === profile.id && checkedFor.kind === profile.kind ? checkedFor : null;
  const diagnostics = checked?.diagnostics ?? [];
  const lint = async (text: string): Promise<ConfigDiagnostic[]> => {
    if (!profile) return [];
    const { id: profileId, kind: checkedKind } = profile;
    const result = await client
      .call('config.check', { kind: checkedKind, content: text, ...talosVersionOf(profile) })
      .catch(() => checkDocument(checkedKind, text));
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

  const saveRevision = useMutation((input: { profileId: string; content: string; message: string }) => client.call('config.save', input), {
    failure: 'Could not save',
    onSuccess: (revision, input) => {
      forgetDraft(input.profileId);
      setMessage('');
      toast('success', `Saved r${revision.number} of ${profile?.name ?? 'the config'}`);
    },
  });
  const save = async () => {
    if (!profile || saveRevision.busy) return;
    if (!dirty) return void toast('info', 'Nothing to save', `r${profile.latest?.number} is what the editor shows.`);
    if (!checked) return void toast('info', 'Still checking the document', 'Save again in a moment.');
    if (hasErrors(checked.diagnostics)) return void toast('error', 'Fix the errors before saving', describeDiagnostic(errors[0]!));
    await saveRevision.run({ profileId: profile.id, content: draft, message });
  };

  const compare = async (leftId: string, rightId: string) => {
    try {
      const [left, right] = await Promise.all([
        client.call('config.revision', { revisionId: leftId }),
        client.call('config.revision', { revisionId: rightId }),
      ]);
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
      <ConfigList onPick={() => setDiff(null)} onSchemasChanged={() => editorRef.current?.recheck()} />

      {profile ? (
        <section className="config-main" aria-label={`Config ${profile.name}`}>
          <header className="config-toolbar">
            <ProfileTitle profile={profile} />
            <span className="badge">{CONFIG_KIND_LABELS[profile.kind]}</span>
            {profile.kind === 'talos' && <TalosVersionField profileId={profile.id} version={profile.talosVersion} />}
            <span className="muted">
              r{profile.latest?.number}
              {dirty ? ' · edited' : ''}
            </span>
            <span
              className={`badge ${!checked ? 'outcome-accepted' : errors.length ? 'outcome-failed' : 'outcome-succeeded'}`}
              role="status"
              aria-label="Check result"
            >
              {!checked
                ? 'checking…'
                : errors.length
                  ? `${errors.length} error${errors.length === 1 ? '' : 's'}`
                  : `✓ valid${diagnostics.length ? ` · ${diagnostics.length} warning${diagnostics.length === 1 ? '' : 's'}` : ''}`}
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
            <Button
              className="primary"
              busy={saveRevision.busy}
              disabledReason={
                !dirty
                  ? 'Nothing changed since the latest revision.'
                  : !checked
                    ? 'Still checking the document.'
                    : errors.length > 0
                      ? 'Fix the errors first.'
                      : null
              }
              title="Ctrl+S"
              onClick={() => void save()}
            >
              Save r{(profile.latest?.number ?? 0) + 1}
            </Button>
            <Button
              title="Format the document (keeps comments)"
              disabledReason={profile.kind === 'script' ? 'A script is free text: there is no format to apply.' : null}
              onClick={format}
            >
              Format
            </Button>
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
                  complete={
                    schemaKind
                      ? (text, offset) =>
                          client.call('config.complete', { kind: schemaKind, content: text, offset, ...talosVersionOf(profile) }).catch(() => [])
                      : undefined
                  }
                  hover={
                    schemaKind
                      ? (text, offset) => client.call('config.hover', { kind: schemaKind, content: text, offset, ...talosVersionOf(profile) }).catch(() => null)
                      : undefined
                  }
                  onChange={onEdit}
                  onSave={() => void save()}
                />
                {!schemaKind && (
                  <p className="muted small" data-testid="no-completion">
                    No completion or hover here:{' '}
                    {kind === 'runbook' ? 'a runbook is a list of steps, checked when saved' : 'a user-data script is free text, run as is'} (Ctrl+Space
                    completes keys in Butane, Ignition, Talos and cloud-config).
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
              <ConfigSidePane
                profile={profile}
                panel={panel}
                history={history}
                rendered={checked?.rendered ?? null}
                onCompare={(x, y) => void compare(x, y)}
                onRestore={(r) => void restore(r)}
              />
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
