import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { CallStore } from '../calls/call-store.js';
import type { SqliteSynchronous } from '../config.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrations.js';
import { SqlCallStore } from './sql-call-store.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { TransactionObserver } from './transaction-observer.js';

/**
 * Opens (creating if needed) the SQLite file store and migrates it.
 *
 * WAL lets readers (subscriptions replaying a log) proceed while a webhook writes; the busy
 * timeout covers another process holding the file briefly (a migration, a backup).
 */
export interface SqliteStoreOptions {
  /**
   * When a commit is durable (see `SqliteSynchronous` in config.ts).
   * @default 'normal'
   */
  synchronous?: SqliteSynchronous;
  /** Hears the settings the connection runs with, read back from SQLite. */
  onOpen?: (settings: { journalMode: string; synchronous: string }) => void;
  /**
   * Told how many transactions each commit carried (group commit), for metrics.
   * @default none
   */
  observer?: TransactionObserver;
}

/** What `PRAGMA synchronous` answers, by name. */
const SYNCHRONOUS_NAMES = ['off', 'normal', 'full', 'extra'];

export async function openSqliteStore(filename: string, options: SqliteStoreOptions = {}): Promise<CallStore> {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const sqlite = new SQLite(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'normal'}`);
  options.onOpen?.({
    journalMode: String(sqlite.pragma('journal_mode', { simple: true })),
    synchronous: SYNCHRONOUS_NAMES[Number(sqlite.pragma('synchronous', { simple: true }))] ?? 'unknown',
  });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlCallStore(db, { lockRows: false, isConflict: isSqliteConflict, groupCommit: true, unavailable: sqliteUnavailable }, options.observer);
}

/** SQLite runs one transaction at a time, so only a unique key taken meanwhile can be a lost race. */
function isSqliteConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_BUSY';
}

/** A disk that is full, read-only or failing: the file cannot be written now, and may be later. */
function sqliteUnavailable(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL') return 'disk full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'disk failing';
  return undefined;
}
