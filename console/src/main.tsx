import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiConnection } from './api-connection';
import { App } from './app';
import { ConnectionContext } from './connection-context';
import './styles.css';

// The API is on the page's own origin, at /graphql; the WebSocket follows the page's scheme.
const url = new URL('/graphql', window.location.href);
url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
const connection = new ApiConnection({ url: url.href });

createRoot(document.getElementById('console')!).render(
  <StrictMode>
    <ConnectionContext.Provider value={connection}>
      <App />
    </ConnectionContext.Provider>
  </StrictMode>,
);
