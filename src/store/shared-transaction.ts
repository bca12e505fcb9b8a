import { CompiledQuery, sql, type ControlledTransaction, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { CallStoreTransaction } from '../calls/call-store.js';
import type { CallsTable, Database, OutboxTable, PlaybacksTable } from './database.js';
import type { SqlDialectTraits } from './sql-dialect-traits.js';
import { runWork, SqlTransaction, withWrites } from './sql-transaction.js';
import type { TransactionObserver } from './transaction-observer.js';
import { DEFAULT_MAX_BATCH, rollBack, TransactionQueue, type PendingTransaction } from './transaction-queue.js';

/** A transaction of a batch wanted a call another transaction of the same batch has locked: it runs in a later batch. */
class LockedInBatch extends Error {}

type Lookup =
  | { kind: 'lock'; column: 'id' | 'provider_call_id'; value: string }
  | { kind: 'playback-call'; playbackId: string }
  | { kind: 'redelivery'; callId: string; dedupeKey: string }
  | { kind: 'playbacks'; callId: string }
  | { kind: 'outbox'; values: Insertable<OutboxTable> }
  | { kind: 'statement'; query: CompiledQuery }
  | { kind: 'flush' };

interface Request {
  member: SqlTransaction;
  lookup: Lookup;
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

/**
 * What the transactions of one batch send to the database, together: they run at once, and the
 * lookups they make in one turn of the event loop (each its call's row lock, its redelivery
 * check, its playbacks, …) go out as one statement per kind, their held-back writes as one
 * statement, and one COMMIT covers them all.
 *
 * Each statement is a round trip, and under webhook load round trips were the cost: a webhook's
 * transaction made six (BEGIN, the lock, the redelivery check, the playbacks, the writes,
 * COMMIT), each a socket write and read on both sides and a wait the connection spends idle, and
 * each commit a WAL flush. A batch of N makes about the same six for all N.
 *
 * Call rows are locked in id order within each statement (`ORDER BY id FOR UPDATE`). Two members
 * after the same call cannot both have it: the first in the batch keeps it, and the others are
 * sent to a later batch (they would otherwise change it from the same snapshot).
 */
export class SharedTransaction {
  private readonly requests: Request[] = [];
  private scheduled = false;
  /** Which member locked each call of the batch. */
  private readonly lockedBy = new Map<string, SqlTransaction>();
  /** Members whose writes reached the database: their work can no longer be dropped alone. */
  readonly flushedMembers = new Set<SqlTransaction>();
  /** Why a statement of the batch failed: the database transaction is aborted, and no member can commit in it. */
  failure: { error: unknown } | undefined;

  constructor(readonly trx: ControlledTransaction<Database>) {}

  /** Asks for `lookup` on behalf of `member`; the lookups the batch's members ask for together go out together. */
  request<T>(member: SqlTransaction, lookup: Lookup): Promise<T> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise<T>((resolve, reject) => {
      this.requests.push({ member, lookup, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After every member that a result let go on has run up to its next request.
      setImmediate(() => void this.dispatch());
    });
  }

  /** Sends what `members` still hold back; a failure leaves the database transaction unusable, as a statement's does. */
  async flush(members: readonly SqlTransaction[]): Promise<void> {
    try {
      await this.sendWrites(members);
    } catch (error) {
      this.failure ??= { error };
    }
  }

  private async sendWrites(members: readonly SqlTransaction[]): Promise<void> {
    const writes = this.takeWrites(members);
    if (writes.length > 0) await this.trx.executeQuery(withWrites(writes, CompiledQuery.raw('select 1', [])));
  }

  private async dispatch(): Promise<void> {
    const requests = this.requests.splice(0);
    try {
      await this.send(requests);
    } catch (error) {
      this.failure ??= { error };
      for (const request of requests) request.reject(error);
    } finally {
      this.scheduled = false;
      if (this.requests.length > 0) {
        this.scheduled = true;
        setImmediate(() => void this.dispatch());
      }
    }
  }

  private async send(requests: Request[]): Promise<void> {
    if (this.failure) throw this.failure.error;
    const of = <K extends Lookup['kind']>(kind: K) =>
      requests.filter((r): r is Request & { lookup: Extract<Lookup, { kind: K }> } => r.lookup.kind === kind);
    const members = [...new Set(requests.map((r) => r.member))];
    const inserts = of('outbox');
    // A read must see its own writes; outbox inserts go out with the writes in one statement instead.
    if (inserts.length < requests.length) {
      await this.sendWrites(members);
      for (const r of of('flush')) r.resolve(undefined);
    }
    await this.lock(of('lock'));
    await this.findPlaybackCalls(of('playback-call'));
    await this.checkRedeliveriesAndListPlaybacks(of('redelivery'), of('playbacks'));
    for (const r of of('statement')) r.resolve(await this.trx.executeQuery(r.lookup.query));
    await this.insertOutbox(inserts, members);
  }

  private async lock(requests: Array<Request & { lookup: { kind: 'lock' } }>): Promise<void> {
    if (requests.length === 0) return;
    const ids = requests.filter((r) => r.lookup.column === 'id').map((r) => r.lookup.value);
    const providerIds = requests.filter((r) => r.lookup.column === 'provider_call_id').map((r) => r.lookup.value);
    const { rows } = await sql<Selectable<CallsTable>>`
      select * from calls where id = any(${ids}::text[]) or provider_call_id = any(${providerIds}::text[])
      order by id for update`.execute(this.trx);
    const byColumn = { id: new Map(rows.map((row) => [row.id, row])), provider_call_id: new Map(rows.map((row) => [row.provider_call_id, row])) };
    for (const r of requests) {
      const row = byColumn[r.lookup.column].get(r.lookup.value);
      const holder = row && this.lockedBy.get(row.id);
      if (holder && holder !== r.member) {
        r.reject(new LockedInBatch());
        continue;
      }
      if (row) this.lockedBy.set(row.id, r.member);
      r.resolve(row);
    }
  }

  private async findPlaybackCalls(requests: Array<Request & { lookup: { kind: 'playback-call' } }>): Promise<void> {
    if (requests.length === 0) return;
    const ids = requests.map((r) => r.lookup.playbackId);
    const { rows } = await sql<{ id: string; call_id: string }>`select id, call_id from playbacks where id = any(${ids}::text[])`.execute(this.trx);
    const callOf = new Map(rows.map((row) => [row.id, row.call_id]));
    for (const r of requests) r.resolve(callOf.get(r.lookup.playbackId) ?? null);
  }

  /**
   * The redelivery checks (an update that counts one more delivery of an event already logged)
   * and the playback reads, as one statement: an event's transaction asks for both at once.
   */
  private async checkRedeliveriesAndListPlaybacks(
    redeliveries: Array<Request & { lookup: { kind: 'redelivery' } }>,
    playbacks: Array<Request & { lookup: { kind: 'playbacks' } }>,
  ): Promise<void> {
    if (redeliveries.length === 0 && playbacks.length === 0) return;
    const callIds = redeliveries.map((r) => r.lookup.callId);
    const keys = redeliveries.map((r) => r.lookup.dedupeKey);
    const queueIds = [...new Set(playbacks.map((r) => r.lookup.callId))];
    const { rows } = await sql<{ call_id: string; dedupe_key: string | null; playback: Selectable<PlaybacksTable> | null }>`
      with counted as (
        update call_events e set deliveries = e.deliveries + 1
        from unnest(${callIds}::text[], ${keys}::text[]) as r(call_id, dedupe_key)
        where e.call_id = r.call_id and e.dedupe_key = r.dedupe_key
        returning e.call_id, e.dedupe_key
      )
      select call_id, dedupe_key, null::json as playback, 0 as position from counted
      union all
      select p.call_id, null, row_to_json(p), p.position from playbacks p where p.call_id = any(${queueIds}::text[])
      order by call_id, position`.execute(this.trx);
    const counted = new Set(rows.filter((row) => row.dedupe_key !== null).map((row) => `${row.call_id}\n${row.dedupe_key}`));
    for (const r of redeliveries) r.resolve(counted.has(`${r.lookup.callId}\n${r.lookup.dedupeKey}`));
    const queues = rows.filter((row) => row.playback !== null).map((row) => row.playback!);
    for (const r of playbacks) r.resolve(queues.filter((row) => row.call_id === r.lookup.callId));
  }

  /** One insert for every member's outbox entry, after every write held back; each gets its own row back. */
  private async insertOutbox(requests: Array<Request & { lookup: { kind: 'outbox' } }>, members: SqlTransaction[]): Promise<void> {
    if (requests.length === 0) return;
    const insert = this.trx
      .insertInto('outbox')
      .values(requests.map((r) => r.lookup.values))
      .returningAll()
      .compile();
    const { rows } = await this.trx.executeQuery(withWrites(this.takeWrites(members), insert));
    // Matched by content, not by position: PostgreSQL does not promise RETURNING's order.
    const key = (row: { call_id: string; effect: string }) => `${row.call_id}\n${row.effect}`;
    const returned = new Map<string, Array<(typeof rows)[number]>>();
    for (const row of rows) returned.set(key(row), [...(returned.get(key(row)) ?? []), row]);
    for (const r of requests) r.resolve(returned.get(key(r.lookup.values as { call_id: string; effect: string }))!.shift());
  }

  private takeWrites(members: readonly SqlTransaction[]): CompiledQuery[] {
    const writes: CompiledQuery[] = [];
    for (const member of members) {
      const taken = member.takeWrites();
      if (taken.length > 0) this.flushedMembers.add(member);
      writes.push(...taken);
    }
    return writes;
  }
}

type MemberOutcome = { kind: 'done'; value: unknown } | { kind: 'failed'; error: unknown } | { kind: 'later' };

/**
 * Group commit for a database with many connections (PostgreSQL): transactions that arrive
 * together share one database transaction ({@link SharedTransaction}), a few such batches at once.
 *
 * Each transaction still sees only what it would alone, and nothing resolves before the commit,
 * so an event acknowledged is an event committed. A transaction whose work throws before any of
 * its writes reached the database fails alone. Anything that leaves the database transaction
 * unusable (a statement's error: a deadlock, a unique violation, a lost connection), or a failed
 * transaction whose writes were already sent, rolls the batch back and runs each of its
 * transactions again on its own, as it would have run without batching. A failed COMMIT fails
 * them all: whether it took effect is unknown, as for a single transaction.
 */
export class TransactionBatcher extends TransactionQueue {
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: SqlDialectTraits,
    /** Batches running at once; each holds a connection. */
    private readonly concurrency: number,
    private readonly observer?: TransactionObserver,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {
    super();
  }

  /** The way every transaction runs without batching, and each of a failed batch's runs again. */
  private async runAlone<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute((trx) => runWork(trx, this.traits, work));
    this.observer?.committed(1);
    return result;
  }

  protected schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // Transactions that arrive in one turn of the event loop join one batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.concurrency && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.running += 1;
        void this.runBatch(batch).finally(() => {
          this.running -= 1;
          this.schedule();
        });
      }
    });
  }

  private async runBatch(batch: PendingTransaction[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch;
      await this.runAlone(only!.work).then(only!.resolve, only!.reject);
      return;
    }
    let trx: ControlledTransaction<Database>;
    try {
      trx = await this.db.startTransaction().execute();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    const shared = new SharedTransaction(trx);
    const members = batch.map(() => new SqlTransaction(trx, this.traits, shared));
    const outcomes = await Promise.all(
      batch.map(async (item, index): Promise<MemberOutcome> => {
        try {
          return { kind: 'done', value: await item.work(members[index]!) };
        } catch (error) {
          members[index]!.takeWrites();
          return error instanceof LockedInBatch ? { kind: 'later' } : { kind: 'failed', error };
        }
      }),
    );
    const failedAfterWriting = outcomes.some((outcome, index) => outcome.kind === 'failed' && shared.flushedMembers.has(members[index]!));
    const done = members.filter((_, index) => outcomes[index]!.kind === 'done');
    if (!failedAfterWriting) await shared.flush(done);
    if (shared.failure || failedAfterWriting) {
      await rollBack(trx);
      this.observer?.rerunAlone(batch.length);
      await Promise.all(batch.map((item) => this.runAlone(item.work).then(item.resolve, item.reject)));
      return;
    }
    const later = batch.filter((_, index) => outcomes[index]!.kind === 'later');
    this.queue.unshift(...later);
    try {
      await trx.commit().execute();
    } catch (error) {
      await rollBack(trx);
      for (const item of batch) if (!later.includes(item)) item.reject(error);
      return;
    }
    this.observer?.committed(done.length);
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.kind === 'done') item.resolve(outcome.value);
      else if (outcome.kind === 'failed') item.reject(outcome.error);
    }
  }
}
