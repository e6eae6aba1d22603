import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './bridge/connect';
import { App } from './app/App';
import { ClientContext } from './app/client-context';
import { startAccountsSync } from './stores/accounts';
import { startFleetSync } from './stores/fleet';
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
  startAccountsSync(client);
  root.render(
    <StrictMode>
      <ClientContext.Provider value={client}>
        <App />
      </ClientContext.Provider>
    </StrictMode>,
  );
}
