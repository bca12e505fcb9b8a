import type { ControlledTransaction } from 'kysely';
import type { CallStoreTransaction } from '../calls/call-store.js';
import type { Database } from './database.js';

/** Transactions committed together at the most; bounds how long one batch holds the database. */
export const DEFAULT_MAX_BATCH = 64;

export interface PendingTransaction {
  work: (tx: CallStoreTransaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * How a store's transactions reach the database: each waits in the queue until the strategy
 * (`GroupCommit` on SQLite, `TransactionBatcher` on PostgreSQL) takes it into a batch.
 */
export abstract class TransactionQueue {
  protected readonly queue: PendingTransaction[] = [];

  run<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Starts a batch of what waits, now or once a running one makes room. */
  protected abstract schedule(): void;
}

/**
 * Rolls back what a failure left open. The database may have ended the transaction itself (SQLite
 * on a full disk or an I/O error, PostgreSQL on a lost connection): the rollback then fails, which
 * must not hide the error that says why (Kysely's own `transaction()` lets it).
 */
export async function rollBack(trx: ControlledTransaction<Database> | undefined): Promise<void> {
  if (trx && !trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute().catch(() => undefined);
}
