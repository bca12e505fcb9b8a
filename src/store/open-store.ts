import type { CallStore } from '../calls/call-store.js';
import type { Config } from '../config.js';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';

/** The store `DATABASE_URL` names, migrated and ready. */
export function openStore(database: Config['database']): Promise<CallStore> {
  return database.kind === 'postgres'
    ? openPostgresStore({ url: database.url, schema: database.schema })
    : openSqliteStore(database.filename);
}
