import { sql, type Kysely } from 'kysely';
import type { CallEventRecord, CallRecord, PlaybackRecord } from '../calls/call.js';
import { LIVE_CALL_STATES, PlaybackStatus as PLAYBACK_STATUSES } from '../calls/call.js';
import { StoreUnavailableError, type CallStore, type CallStoreTransaction, type LiveWork, type ListCallsQuery, type OutboxLease, type UnmatchedEvent } from '../calls/call-store.js';
import { OutboxStatus, type OutboxItem } from '../calls/outbox.js';
import type { Database } from './database.js';
import { GroupCommit } from './group-commit.js';
import { TransactionBatcher } from './shared-transaction.js';
import type { TransactionQueue } from './transaction-queue.js';
import type { SqlDialectTraits } from './sql-dialect-traits.js';
import type { TransactionObserver } from './transaction-observer.js';
import { toCall, toEvent, toOutboxItem, toPlayback } from './row-mapping.js';
import { listPlaybacksOf } from './sql-transaction.js';


/**
 * The call store over any Kysely dialect whose tables match {@link Database}. An error that says
 * the database cannot serve requests now is raised as {@link StoreUnavailableError}, so callers
 * answer "try again later" (HTTP 503) instead of "fault".
 */
export class SqlCallStore implements CallStore {
  /** How transactions reach the database: one after the other in group commits, or in shared batches. */
  private readonly commits: TransactionQueue;

  constructor(
    protected readonly db: Kysely<Database>,
    private readonly traits: SqlDialectTraits,
    observer?: TransactionObserver,
    private readonly onClose: () => Promise<void> = () => db.destroy(),
  ) {
    this.commits = traits.groupCommit
      ? new GroupCommit(db, traits, observer)
      : new TransactionBatcher(db, traits, traits.sharedTransactions ?? 1, observer);
  }

  transaction<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
    return this.commits.run(work).catch(this.unavailable);
  }

  /** Rethrows `error`, as {@link StoreUnavailableError} when it says the database cannot serve requests now. */
  private readonly unavailable = (error: unknown): never => {
    const reason = this.traits.unavailable(error);
    throw reason ? new StoreUnavailableError(reason, { cause: error }) : error;
  };

  async getCall(id: string): Promise<CallRecord | null> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst().catch(this.unavailable);
    return row ? toCall(row) : null;
  }

  async listCalls({ first, after, state }: ListCallsQuery): Promise<CallRecord[]> {
    let query = this.db.selectFrom('calls').selectAll();
    if (state) query = query.where('state', '=', state);
    if (after) {
      const createdAt = after.createdAt.toISOString();
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first).execute().catch(this.unavailable);
    return rows.map(toCall);
  }

  async getPlayback(id: string): Promise<PlaybackRecord | null> {
    const row = await this.db.selectFrom('playbacks').selectAll().where('id', '=', id).executeTakeFirst().catch(this.unavailable);
    return row ? toPlayback(row) : null;
  }

  async listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    return listPlaybacksOf(this.db, callId).catch(this.unavailable);
  }

  async listEvents(callId: string, afterSequence: number, limit: number): Promise<CallEventRecord[]> {
    const rows = await this.db
      .selectFrom('call_events')
      .selectAll()
      .where('call_id', '=', callId)
      .where('sequence', '>', afterSequence)
      .orderBy('sequence', 'asc')
      .limit(limit)
      .execute()
      .catch(this.unavailable);
    return rows.map(toEvent);
  }

  async listUnmatchedEvents(limit: number): Promise<UnmatchedEvent[]> {
    const rows = await this.db.selectFrom('unmatched_events').selectAll().orderBy('id', 'desc').limit(limit).execute().catch(this.unavailable);
    return rows.map((row) => ({
      receivedAt: new Date(row.received_at),
      providerCallId: row.provider_call_id,
      eventType: row.event_type,
      reason: row.reason,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
    }));
  }

  async claimOutbox(lease: OutboxLease, now: Date, limit: number, afterId = 0): Promise<OutboxItem[]> {
    return this.db.transaction().execute(async (trx) => {
      let free = trx
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', OutboxStatus.PENDING)
        .where('id', '>', afterId)
        .where((eb) =>
          eb.or([
            eb('locked_until', 'is', null),
            eb('locked_by', '=', lease.by),
            eb('locked_until', '<', now.toISOString()),
          ]),
        )
        .orderBy('id')
        .limit(limit);
      if (this.traits.lockRows) free = free.forUpdate().skipLocked();
      const ids = (await free.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      const rows = await trx
        .updateTable('outbox')
        .set({ locked_by: lease.by, locked_until: lease.until.toISOString(), updated_at: now.toISOString() })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.map(toOutboxItem).sort((a, b) => a.id - b.id);
    }).catch(this.unavailable);
  }

  async listSilentCalls(before: Date, limit: number): Promise<CallRecord[]> {
    const rows = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('state', 'not in', ['COMPLETED', 'FAILED'])
      .where('updated_at', '<', before.toISOString())
      .orderBy('updated_at')
      .limit(limit)
      .execute()
      .catch(this.unavailable);
    return rows.map(toCall);
  }

  async countLiveWork(): Promise<LiveWork> {
    const live = [...LIVE_CALL_STATES];
    const byState = await this.db
      .selectFrom('calls')
      .select(['state', (eb) => eb.fn.countAll<number | string>().as('count')])
      .where('state', 'in', live)
      .groupBy('state')
      .execute();
    const queued = await this.db
      .selectFrom('calls')
      .innerJoin('playbacks', 'playbacks.call_id', 'calls.id')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('calls.state', 'in', live)
      .where('playbacks.status', '=', PLAYBACK_STATUSES.QUEUED)
      .executeTakeFirstOrThrow();
    const pending = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('status', '=', OutboxStatus.PENDING)
      .executeTakeFirstOrThrow();
    return {
      callsByState: Object.fromEntries(byState.map((row) => [row.state, Number(row.count)])),
      queuedPlaybacks: Number(queued.count),
      pendingRequests: Number(pending.count),
    };
  }

  async deleteIdempotencyKeys(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', before.toISOString())
      .executeTakeFirst()
      .catch(this.unavailable);
    return Number(result.numDeletedRows);
  }

  isConflict(error: unknown): boolean {
    return this.traits.isConflict(error);
  }

  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

