import type { CallStore } from '../calls/call-store.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { TransactionObserver } from './transaction-observer.js';

/**
 * The store `DATABASE_URL` names, migrated and ready; `logger` hears of connections PostgreSQL
 * drops, `observer` of how transactions are committed.
 */
export function openStore(database: Config['database'], logger?: Pick<Logger, 'warn' | 'info'>, observer?: TransactionObserver): Promise<CallStore> {
  return database.kind === 'postgres'
    ? openPostgresStore({
        url: database.url,
        schema: database.schema,
        poolSize: database.poolSize,
        observer,
        onConnectionLost: (error) => logger?.warn({ error: { message: error.message, code: (error as { code?: string }).code } }, 'database connection lost'),
      })
    : openSqliteStore(database.filename, {
        synchronous: database.synchronous,
        observer,
        onOpen: (settings) => logger?.info({ database: 'sqlite', ...settings }, 'store opened'),
      });
}
