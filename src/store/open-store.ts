import type { CallStore } from '../calls/call-store.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { TransactionObserver } from './transaction-observer.js';

/**
 * The store `DATABASE_URL` names, migrated and ready; `logger` hears of connections PostgreSQL
 * drops, `observer` of how transactions are committed. Only the chosen database's driver is loaded.
 */
export async function openStore(database: Config['database'], logger?: Pick<Logger, 'warn' | 'info'>, observer?: TransactionObserver): Promise<CallStore> {
  if (database.kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres-store.js');
    return openPostgresStore({
      url: database.url,
      schema: database.schema,
      poolSize: database.poolSize,
      observer,
      onConnectionLost: (error) => logger?.warn({ error: { message: error.message, code: (error as { code?: string }).code } }, 'database connection lost'),
    });
  }
  const { openSqliteStore } = await import('./sqlite-store.js');
  return openSqliteStore(database.filename, {
    synchronous: database.synchronous,
    observer,
    onOpen: (settings) => logger?.info({ database: 'sqlite', ...settings }, 'store opened'),
  });
}
