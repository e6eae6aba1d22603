/** The shell: navigation, the current screen, the status bar, toasts and the confirm dialog. */
import { lazy, Suspense, useEffect, useState, type ComponentType } from 'react';
import type { LinkState } from '../bridge/transport';
import type { StoreStatusView } from '../../../shared/contract';
import { ConnectionsScreen } from '../features/connections/ConnectionsScreen';
import { ActivityScreen } from '../features/activity/ActivityScreen';
import { FleetScreen } from '../features/fleet/FleetScreen';
import { useConnections } from '../stores/connections';
import { useFleet } from '../stores/fleet';
import { useUpdates } from '../stores/updates';
import { showScreen, toggleTheme, useUi, type Screen } from '../stores/ui';
import { syncLabel } from '../util/format';
import { useClient } from './client-context';
import { ConfirmHost } from './confirm';
import { ScreenBoundary } from './ScreenBoundary';
import { Toasts } from './Toasts';
import { ConsolePrompts } from '../features/serial-console/ConsolePrompts';
import { UpdateStatus } from './UpdateStatus';

/**
 * A screen whose code loads on demand, and that renders without suspending once that code is in.
 * React 19 reveals a suspended tree no sooner than 300 ms after its fallback showed, even when the
 * lazy import resolves at once: the topology's first paint waited ~200 ms with nothing to do.
 */
function onDemand<M>(load: () => Promise<M>, pick: (module: M) => ComponentType) {
  let loaded: ComponentType | null = null;
  const preload = () => load().then((module) => (loaded = pick(module)));
  const Lazy = lazy(() => preload().then((component) => ({ default: component })));
  function Screen() {
    // Chosen once per mount: switching from Lazy to the loaded component later would remount it.
    const [Component] = useState<ComponentType>(() => loaded ?? Lazy);
    return <Component />;
  }
  return { Screen, preload };
}

// xterm.js and React Flow are most of the bundle: load each with its screen, not at startup.
const consoles = onDemand(
  () => import('../features/serial-console/ConsolesScreen'),
  (m) => m.ConsolesScreen,
);
const config = onDemand(
  () => import('../features/config/ConfigScreen'),
  (m) => m.ConfigScreen,
);
const rollouts = onDemand(
  () => import('../features/rollouts/RolloutsScreen'),
  (m) => m.RolloutsScreen,
);
const topology = onDemand(
  () => import('../features/topology/TopologyScreen'),
  (m) => m.TopologyScreen,
);

/**
 * The topology and console screens' code, fetched once the fleet is in and the window is idle, so
 * their first showing does not wait for a chunk. The others load when first shown. Idle alone was
 * too soon: the window is idle while main sends a large fleet, and compiling 700 KB of chunks then
 * delayed the table of a 50,000-node restart.
 */
function usePrefetchScreens(): void {
  const fleetIn = useFleet((s) => s.status !== 'loading');
  useEffect(() => {
    if (!fleetIn || typeof requestIdleCallback !== 'function') return;
    const id = requestIdleCallback(() => void Promise.all([topology.preload(), consoles.preload()]).catch(() => undefined), { timeout: 5_000 });
    return () => cancelIdleCallback(id);
  }, [fleetIn]);
}

const NAV: { screen: Screen; label: string; key: string }[] = [
  { screen: 'fleet', label: 'Fleet', key: '1' },
  { screen: 'topology', label: 'Topology', key: '2' },
  { screen: 'config', label: 'Config', key: '3' },
  { screen: 'rollouts', label: 'Rollouts', key: '4' },
  { screen: 'consoles', label: 'Consoles', key: '5' },
  { screen: 'activity', label: 'Activity', key: '6' },
  { screen: 'connections', label: 'Connections', key: '7' },
];

function CurrentScreen({ screen }: { screen: Screen }) {
  switch (screen) {
    case 'fleet':
      return <FleetScreen />;
    case 'connections':
      return <ConnectionsScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'topology':
      return <topology.Screen />;
    case 'config':
      return <config.Screen />;
    case 'consoles':
      return <consoles.Screen />;
    case 'rollouts':
      return <rollouts.Screen />;
  }
}

/** The shared store, when there is one: named while it answers, loud while it does not. */
function StoreState() {
  const client = useClient();
  const [store, setStore] = useState<StoreStatusView | null>(null);
  useEffect(() => {
    client.call('store.status', {}).then(setStore, () => undefined);
    return client.on('store.statusChanged', setStore);
  }, [client]);
  if (!store?.shared) return null;
  if (store.reachable) return <span className="muted">Shared store</span>;
  return (
    <span className="error" role="status">
      Shared store not answering: actions refused until it is back
    </span>
  );
}

function StatusBar() {
  const client = useClient();
  const connections = useConnections((s) => s.connections);
  const nodeCount = useFleet((s) => s.nodes.size);
  const [link, setLink] = useState<LinkState>('connecting');
  const [, tick] = useState(0);
  useEffect(() => client.onLinkState(setLink), [client]);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 5_000);
    return () => clearInterval(timer);
  }, []);
  const updateServers = useUpdates((s) => s.servers);
  const failing = [...connections.filter((a) => a.sync.status === 'error'), ...updateServers.filter((s) => s.sync.status === 'error')];
  return (
    <footer className="statusbar" aria-label="Status">
      <span className={`link-state link-${link}`}>{link === 'open' ? 'Connected' : link === 'connecting' ? 'Connecting…' : 'Disconnected, retrying…'}</span>
      <span>{nodeCount} nodes</span>
      <StoreState />
      {connections.map((a) => (
        <span key={a.id} className={a.sync.status === 'error' ? 'error' : 'muted'}>
          {a.name}: {a.needsCredentials.length > 0 ? 'needs your credentials' : syncLabel(a.sync)}
        </span>
      ))}
      {updateServers
        .filter((s) => s.sync.status === 'error')
        .map((s) => (
          <span key={s.id} className="error">
            {s.name}: not answering
          </span>
        ))}
      <UpdateStatus />
      {failing.length > 0 && (
        <button type="button" className="link" onClick={() => showScreen('connections')}>
          See connection errors
        </button>
      )}
    </footer>
  );
}

export function App() {
  const screen = useUi((s) => s.screen);
  const theme = useUi((s) => s.theme);
  usePrefetchScreens();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // Alt+1…7 switch screens, like VS Code's and browsers' tab shortcuts.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey) return;
      const item = NAV.find((n) => n.key === event.key);
      if (item) {
        event.preventDefault();
        showScreen(item.screen);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          Ironpane
        </div>
        <ul>
          {NAV.map((item) => (
            <li key={item.screen}>
              <button
                type="button"
                className={screen === item.screen ? 'nav current' : 'nav'}
                aria-current={screen === item.screen ? 'page' : undefined}
                title={`Alt+${item.key}`}
                onClick={() => showScreen(item.screen)}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="nav theme" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </nav>
      <main className="content">
        <Suspense
          fallback={
            <div className="empty" role="status">
              <div className="spinner" aria-hidden="true" />
              Loading…
            </div>
          }
        >
          <ScreenBoundary key={screen} name={NAV.find((item) => item.screen === screen)?.label ?? screen}>
            <CurrentScreen screen={screen} />
          </ScreenBoundary>
        </Suspense>
      </main>
      <StatusBar />
      <Toasts />
      <ConfirmHost />
      {/* Host-key and login questions come from any console open, a runbook's included: asked on every screen. */}
      <ConsolePrompts />
    </div>
  );
}
