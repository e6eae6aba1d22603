import { createContext, useContext } from 'react';
import type { RpcClient } from '../bridge/client';

export const ClientContext = createContext<RpcClient | null>(null);

export function useClient(): RpcClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside <ClientContext.Provider>');
  return client;
}
