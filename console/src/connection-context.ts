import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ApiConnection, ConnectionStatus } from './api-connection';

export const ConnectionContext = createContext<ApiConnection | null>(null);

export function useConnection(): ApiConnection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error('useConnection needs a ConnectionContext.Provider above it');
  return connection;
}

export function useConnectionStatus(): ConnectionStatus {
  const connection = useConnection();
  return useSyncExternalStore(connection.onStatus, () => connection.status);
}
