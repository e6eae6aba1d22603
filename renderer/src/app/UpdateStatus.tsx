/**
 * The desktop app's own update in the status bar: progress while it downloads, then "Restart to
 * update", which waits (saying why) while an operation runs or a console writes its log. Nothing on
 * the web host, which does not update itself.
 */
import { useEffect, useState } from 'react';
import type { UpdateState } from '../../../shared/app-updates';
import { errorData } from '../bridge/client';
import { toast } from '../stores/toasts';
import { useClient } from './client-context';

/** The state now, then every change; an answer that arrives after a change is older and ignored. */
function useUpdateState(client: ReturnType<typeof useClient>, setState: (state: UpdateState) => void): void {
  useEffect(() => {
    let changed = false;
    void client.call('app.updateState', {}).then(
      (state) => !changed && setState(state),
      () => undefined,
    );
    const off = client.on('app.updateChanged', (state) => {
      changed = true;
      setState(state);
    });
    return off;
  }, [client, setState]);
}

export function UpdateStatus() {
  const client = useClient();
  const [state, setState] = useState<UpdateState | null>(null);
  useUpdateState(client, setState);
  if (!state || state.status === 'unsupported') return null;

  const install = async () => {
    try {
      const next = await client.call('app.installUpdate', {});
      setState(next);
      if (next.restartBlockedReason) toast('info', 'The update waits', next.restartBlockedReason);
    } catch (e) {
      toast('error', 'Could not install the update', errorData(e).message);
    }
  };
  const check = async () => {
    try {
      setState(await client.call('app.checkForUpdates', {}));
    } catch (e) {
      toast('error', 'Could not check for updates', errorData(e).message);
    }
  };

  switch (state.status) {
    case 'downloading':
      return (
        <span className="muted" role="status">
          Downloading Ironpane {state.version} · {Math.round((state.progress ?? 0) * 100)}%
        </span>
      );
    case 'ready':
      return (
        <button type="button" className="link" onClick={() => void install()} title={state.restartBlockedReason ?? `Restart into Ironpane ${state.version}`}>
          Restart to update to {state.version}
        </button>
      );
    case 'error':
      return (
        <button type="button" className="link error" onClick={() => void check()} title={state.error ?? undefined}>
          Update failed · retry
        </button>
      );
    default:
      return null;
  }
}

/** The update channel, in Connections → App updates (desktop only). */
export function UpdateChannelSetting() {
  const client = useClient();
  const [state, setState] = useState<UpdateState | null>(null);
  useUpdateState(client, setState);
  if (!state || state.status === 'unsupported') return null;
  return (
    <section className="card form" aria-label="App updates">
      <h2>App updates</h2>
      <p className="muted">
        Ironpane {state.currentVersion}. {state.status === 'current' ? 'Up to date.' : state.status === 'checking' ? 'Checking…' : (state.error ?? '')} Updates
        are checked on start and downloaded in the background; each download is checked against the checksum its feed publishes.
      </p>
      <label className="field">
        <span>Channel</span>
        <select
          value={state.channel}
          onChange={(e) => void client.call('app.setUpdateChannel', { channel: e.target.value === 'beta' ? 'beta' : 'stable' }).then(setState)}
        >
          <option value="stable">Stable</option>
          <option value="beta">Beta (earlier releases, newer stable ones too)</option>
        </select>
      </label>
      <button type="button" onClick={() => void client.call('app.checkForUpdates', {}).then(setState)}>
        Check for updates
      </button>
    </section>
  );
}
