import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './bridge/connect';
import { App } from './app/App';
import { ClientContext } from './app/client-context';
import { installConsoleDataHub } from './features/serial-console/data-hub';
import { startConnectionsSync } from './stores/connections';
import { startAppCommands } from './app/app-commands';
import { startBulkSync } from './stores/bulk';
import { startConfigSync } from './stores/config';
import { startDriftSync } from './stores/drift';
import { startConsolesSync } from './stores/consoles';
import { startTopologySync } from './stores/topology';
import { startFleetSync } from './stores/fleet';
import { startUpdatesSync } from './stores/updates';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const client = connect();
if ('error' in client) {
  root.render(
    <div className="fatal" role="alert">
      <h1>Ironpane needs its launch link</h1>
      <p>{client.error}</p>
    </div>,
  );
} else {
  startFleetSync(client);
  startAppCommands(client);
  startConnectionsSync(client);
  startBulkSync(client);
  startConfigSync(client);
  startDriftSync(client);
  startConsolesSync(client);
  startTopologySync(client);
  startUpdatesSync(client);
  installConsoleDataHub(client);
  root.render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
}
