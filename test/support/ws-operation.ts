import type { Client } from 'graphql-ws';
import { onDispose } from './test-service.js';

export interface OperationResult<T = any> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: string[]; locations?: unknown }>;
}

/**
 * Runs one operation over graphql-ws and resolves with its first result, or with the errors the
 * server refused it with (an `error` message). A closed socket rejects. A subscription stays
 * subscribed until the test's disposal.
 */
export function wsExecute<T = any>(client: Client, query: string, variables?: Record<string, unknown>): Promise<OperationResult<T>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        // Not unsubscribed here: a query or mutation completes by itself, and graphql-ws's client
        // miscounts its open operations when one is released and completed at once.
        next: (value) => settle(() => resolve(value as OperationResult<T>)),
        error: (error) =>
          settle(() => (Array.isArray(error) ? resolve({ errors: error }) : reject(new Error(`socket failed: ${describe(error)}`)))),
        complete: () => settle(() => reject(new Error('the operation completed without a result'))),
      },
    );
    onDispose(async () => unsubscribe());
  });
}

/**
 * Holds one socket open with a subscription and counts the connections the client makes, so a
 * test can show that a refused operation left that same socket in use.
 */
export async function holdSocketOpen(client: Client): Promise<{ connections: () => number; closes: () => number }> {
  let connections = 0;
  let closes = 0;
  const connected = new Promise<void>((resolve) =>
    client.on('connected', () => {
      connections += 1;
      resolve();
    }),
  );
  client.on('closed', () => {
    closes += 1;
  });
  const unsubscribe = client.subscribe(
    { query: 'subscription { callUpdated { id } }' },
    { next: () => undefined, error: () => undefined, complete: () => undefined },
  );
  onDispose(async () => unsubscribe());
  await connected;
  return { connections: () => connections, closes: () => closes };
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return `close code ${(error as { code: number }).code}`;
  return String(error);
}
