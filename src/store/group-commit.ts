import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { SqlDialectTraits } from './sql-dialect-traits.js';
import { runWork } from './sql-transaction.js';
import type { TransactionObserver } from './transaction-observer.js';
import { DEFAULT_MAX_BATCH, rollBack, TransactionQueue } from './transaction-queue.js';

/**
 * Group commit for a database with a single connection (SQLite): transactions that arrive
 * together run one after the other inside one database transaction, each in a savepoint of its
 * own, and are committed at once.
 *
 * Each commit writes the pages it changed to the write-ahead log; under webhook load, the commit
 * was the largest single cost per event (about 100 µs, more than all of the event's statements),
 * and events for different calls share most of the pages they change (index interiors, the
 * tails of time-ordered indexes). Every transaction still sees its own work only: a failure rolls
 * back its savepoint, and the others commit. Nothing resolves before the commit, so an event
 * acknowledged is an event on disk, as before; if the commit itself fails, every transaction of
 * the batch fails with it and none of them took effect.
 *
 * Transactions arriving in one turn of the event loop (all the webhooks whose bytes came in
 * together) form a batch, which starts once that turn's I/O has been handled; a lone transaction
 * runs as a plain one. A transaction's work must not wait on another transaction or on a query
 * outside it (both need the connection the batch holds): work in `CallStore.transaction` never does.
 */
export class GroupCommit extends TransactionQueue {
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: SqlDialectTraits,
    private readonly observer?: TransactionObserver,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {
    super();
  }

  protected schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      void this.drain().finally(() => {
        this.scheduled = false;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 1) {
      const [only] = batch;
      let trx;
      try {
        trx = await this.db.startTransaction().execute();
        const value = await runWork(trx, this.traits, only!.work);
        await trx.commit().execute();
        this.observer?.committed(1);
        only!.resolve(value);
      } catch (error) {
        await rollBack(trx);
        only!.reject(error);
      }
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let trx;
    try {
      trx = await this.db.startTransaction().execute();
      for (const [index, item] of batch.entries()) {
        const name = `work_${index}`;
        const point = await trx.savepoint(name).execute();
        try {
          const value = await runWork(point, this.traits, item.work);
          await point.releaseSavepoint(name).execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await point.rollbackToSavepoint(name).execute();
          await point.releaseSavepoint(name).execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
    } catch (error) {
      await rollBack(trx);
      for (const item of batch) item.reject(error);
      return;
    }
    this.observer?.committed(outcomes.filter((outcome) => outcome.ok).length);
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    }
  }
}
