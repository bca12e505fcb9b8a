import { Kysely, PostgresDialect, type DatabaseIntrospector, type PostgresDialectConfig } from 'kysely';
import pg from 'pg';
import type { CallStore } from '../calls/call-store.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrations.js';
import { SchemaScopedIntrospector } from './schema-scoped-introspector.js';
import { SqlCallStore } from './sql-call-store.js';
import type { TransactionObserver } from './transaction-observer.js';
import { SCHEMA_NAME } from './schema-name.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema holding the tables; created if missing. Lets several deployments (or tests) share a database. */
  schema?: string;
  /** Connections per instance; each transaction holds one while it runs. */
  poolSize?: number;
  /**
   * Told of each connection the server dropped (a restart, a failover, `pg_terminate_backend`).
   * The pool replaces the connection on next use, and the request that was using it fails.
   * @default ignored
   */
  onConnectionLost?: (error: Error) => void;
  /**
   * Told how many transactions each commit carried and of batches run again alone, for metrics.
   * @default none
   */
  observer?: TransactionObserver;
}

/** Error codes of a transaction that lost a race with another writer and may be run again. */
const CONFLICT_CODES = new Set([
  '23505', // unique_violation: another instance inserted the same call or idempotency key first
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Opens the PostgreSQL store for running several instances on one database, and migrates it.
 * The queries are the SQLite store's; the difference is that a transaction locks the call row it
 * reads (`SELECT … FOR UPDATE`), so concurrent webhooks for one call on different instances apply
 * one after the other, and outbox entries are claimed with `FOR UPDATE SKIP LOCKED`.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<CallStore> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error('DATABASE_SCHEMA must be a lower-case SQL identifier');
  await createSchema(options.url, schema);
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    // Names the connections in pg_stat_activity, by the schema they serve.
    application_name: `catapult-voice:${schema}`,
    options: `-c search_path=${schema}`,
    // A database that stops answering must fail requests, not hang them.
    connectionTimeoutMillis: 5000,
    statement_timeout: 15_000,
  });
  // A connection the server drops emits 'error'; with no listener that is an uncaught exception and
  // the process exits. The pool listens to idle connections itself; one checked out (inside a
  // transaction, between two of its queries) has only the listener added here.
  const lost = options.onConnectionLost ?? (() => undefined);
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const db = new Kysely<Database>({ dialect: new SchemaPostgresDialect({ pool }, schema) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'postgres', schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlCallStore(db, {
    lockRows: true,
    batchWrites: true,
    // Two connections stay free of batches for what runs outside transactions (subscriptions' replays, reads).
    sharedTransactions: Math.max(1, poolSize - 2),
    isConflict: isPostgresConflict,
    unavailable: postgresUnavailable,
  }, options.observer);
}

/** PostgreSQL as Kysely speaks it, introspecting the store's own schema only (see SchemaScopedIntrospector). */
class SchemaPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.schema);
  }
}

async function createSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two instances starting together may both try; the loser finds it there.
    if ((error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

function isPostgresConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
}

/** Socket errors of a server that cannot be reached. */
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A server that cannot be reached, is shutting down, is out of disk or is read-only (a standby
 * after a failover): by SQLSTATE, socket error, or what node-postgres says of a lost connection
 * (it gives those no code).
 */
function postgresUnavailable(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code === '53100') return 'disk full';
    if (code === '25006') return 'read-only';
    if (code.startsWith('08') || code.startsWith('57P') || UNREACHABLE_ERRNOS.has(code)) return 'unreachable';
    if (code.startsWith('53')) return 'out of resources';
  }
  if (typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(message)) {
    return 'unreachable';
  }
  return undefined;
}
