/** The shell: navigation, the current screen, the status bar, toasts and the confirm dialog. */
import { lazy, Suspense, useEffect, useState } from 'react';
import type { LinkState } from '../bridge/transport';
import { AccountsScreen } from '../features/accounts/AccountsScreen';
import { ActivityScreen } from '../features/activity/ActivityScreen';
import { FleetScreen } from '../features/fleet/FleetScreen';
// xterm.js and React Flow are most of the bundle: load each with its screen, not at startup.
const ConsolesScreen = lazy(() => import('../features/serial-console/ConsolesScreen').then((m) => ({ default: m.ConsolesScreen })));
const ConfigScreen = lazy(() => import('../features/config/ConfigScreen').then((m) => ({ default: m.ConfigScreen })));
const RolloutsScreen = lazy(() => import('../features/rollouts/RolloutsScreen').then((m) => ({ default: m.RolloutsScreen })));
const TopologyScreen = lazy(() => import('../features/topology/TopologyScreen').then((m) => ({ default: m.TopologyScreen })));
import { useAccounts } from '../stores/accounts';
import { useFleet } from '../stores/fleet';
import { useUpdates } from '../stores/updates';
import { showScreen, toggleTheme, useUi, type Screen } from '../stores/ui';
import { syncLabel } from '../util/format';
import { useClient } from './client-context';
import { ConfirmHost } from './confirm';
import { Toasts } from './Toasts';
import { ConsolePrompts } from '../features/serial-console/ConsolePrompts';
import { UpdateStatus } from './UpdateStatus';

const NAV: { screen: Screen; label: string; key: string }[] = [
  { screen: 'fleet', label: 'Fleet', key: '1' },
  { screen: 'topology', label: 'Topology', key: '2' },
  { screen: 'config', label: 'Config', key: '3' },
  { screen: 'rollouts', label: 'Rollouts', key: '4' },
  { screen: 'consoles', label: 'Consoles', key: '5' },
  { screen: 'activity', label: 'Activity', key: '6' },
  { screen: 'accounts', label: 'Connections', key: '7' },
];

function CurrentScreen({ screen }: { screen: Screen }) {
  switch (screen) {
    case 'fleet':
      return <FleetScreen />;
    case 'accounts':
      return <AccountsScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'topology':
      return <TopologyScreen />;
    case 'config':
      return <ConfigScreen />;
    case 'consoles':
      return <ConsolesScreen />;
    case 'rollouts':
      return <RolloutsScreen />;
  }
}

function StatusBar() {
  const client = useClient();
  const accounts = useAccounts((s) => s.accounts);
  const nodeCount = useFleet((s) => s.nodes.size);
  const [link, setLink] = useState<LinkState>('connecting');
  const [, tick] = useState(0);
  useEffect(() => client.onLinkState(setLink), [client]);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 5_000);
    return () => clearInterval(timer);
  }, []);
  const updateServers = useUpdates((s) => s.servers);
  const failing = [...accounts.filter((a) => a.sync.status === 'error'), ...updateServers.filter((s) => s.sync.status === 'error')];
  return (
    <footer className="statusbar" aria-label="Status">
      <span className={`link-state link-${link}`}>{link === 'open' ? 'Connected' : link === 'connecting' ? 'Connecting…' : 'Disconnected, retrying…'}</span>
      <span>{nodeCount} nodes</span>
      {accounts.map((a) => (
        <span key={a.id} className={a.sync.status === 'error' ? 'error' : 'muted'}>
          {a.name}: {syncLabel(a.sync)}
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
        <button type="button" className="link" onClick={() => showScreen('accounts')}>
          See connection errors
        </button>
      )}
    </footer>
  );
}

export function App() {
  const screen = useUi((s) => s.screen);
  const theme = useUi((s) => s.theme);

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
          <CurrentScreen screen={screen} />
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
