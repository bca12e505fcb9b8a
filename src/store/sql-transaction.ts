import { CompiledQuery, type Compilable, type Insertable, type Kysely, type QueryResult, type Selectable, type Transaction } from 'kysely';
import type { CallRecord, PlaybackRecord } from '../calls/call.js';
import type { CallStoreTransaction, IdempotencyRecord, NewCallEvent, OutboxLease, UnmatchedEvent } from '../calls/call-store.js';
import { OutboxStatus, type Effect, type EffectKind, type OutboxItem } from '../calls/outbox.js';
import type { CallsTable, Database, OutboxTable, PlaybacksTable } from './database.js';
import { fromCall, fromPlayback, toCall, toOutboxItem, toPlayback } from './row-mapping.js';
import type { SharedTransaction } from './shared-transaction.js';
import type { SqlDialectTraits } from './sql-dialect-traits.js';

/**
 * One store transaction: the row locks, reads and writes a change to a call is made of. Where the
 * dialect says so ({@link SqlDialectTraits.batchWrites}), writes wait until the next read or the
 * end of the transaction ({@link SqlTransaction.flush}) and go out together as one statement.
 * A member of a batch ({@link SharedTransaction}) sends its lookups and writes through the batch,
 * which joins them with the other members' into shared statements.
 */
export class SqlTransaction implements CallStoreTransaction {
  /** Call rows as this transaction read them, so an update writes only the columns that changed. */
  private readonly readRows = new Map<string, Selectable<CallsTable>>();
  /** Writes not sent yet, and the rows they touch: a second write to one of those is sent after them. */
  private readonly pending: CompiledQuery[] = [];
  private readonly pendingRows = new Set<string>();

  constructor(
    private readonly trx: Transaction<Database>,
    private readonly traits: SqlDialectTraits,
    private readonly shared?: SharedTransaction,
  ) {}

  lockCall(id: string): Promise<CallRecord | null> {
    return this.lockOne('id', id);
  }

  lockCallByProviderId(providerCallId: string): Promise<CallRecord | null> {
    return this.lockOne('provider_call_id', providerCallId);
  }

  private async lockOne(column: 'id' | 'provider_call_id', value: string): Promise<CallRecord | null> {
    let row: Selectable<CallsTable> | undefined;
    if (this.shared) {
      row = await this.shared.request(this, { kind: 'lock', column, value });
    } else {
      await this.flush();
      let query = this.trx.selectFrom('calls').selectAll().where(column, '=', value);
      if (this.traits.lockRows) query = query.forUpdate();
      row = await query.executeTakeFirst();
    }
    if (!row) return null;
    this.readRows.set(row.id, row);
    return toCall(row);
  }

  async findCallIdOfPlayback(playbackId: string): Promise<string | null> {
    if (this.shared) return this.shared.request(this, { kind: 'playback-call', playbackId });
    await this.flush();
    const row = await this.trx.selectFrom('playbacks').select('call_id').where('id', '=', playbackId).executeTakeFirst();
    return row?.call_id ?? null;
  }

  async insertCall(call: CallRecord): Promise<void> {
    await this.write(`calls:${call.id}`, this.trx.insertInto('calls').values(fromCall(call)));
  }

  /**
   * Writes the columns that differ from the row as read (all of them for a row this transaction
   * did not read). Most events change only `last_sequence` and `updated_at`; a column named in
   * `SET` costs an update of every index over it even when its value stays the same.
   */
  async updateCall(call: CallRecord): Promise<void> {
    const { id, ...columns } = fromCall(call);
    const before = this.readRows.get(id);
    const changed = before
      ? Object.fromEntries(Object.entries(columns).filter(([column, value]) => before[column as keyof typeof columns] !== value))
      : columns;
    if (Object.keys(changed).length === 0) return;
    await this.write(`calls:${id}`, this.trx.updateTable('calls').set(changed).where('id', '=', id));
    this.readRows.set(id, { id, ...columns });
  }

  async listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    if (this.shared) return (await this.shared.request<Array<Selectable<PlaybacksTable>>>(this, { kind: 'playbacks', callId })).map(toPlayback);
    await this.flush();
    return listPlaybacksOf(this.trx, callId);
  }

  async insertPlayback(playback: PlaybackRecord): Promise<void> {
    await this.write(`playbacks:${playback.id}`, this.trx.insertInto('playbacks').values(fromPlayback(playback)));
  }

  async updatePlayback(playback: PlaybackRecord): Promise<void> {
    const { id, ...columns } = fromPlayback(playback);
    await this.write(`playbacks:${id}`, this.trx.updateTable('playbacks').set(columns).where('id', '=', id));
  }

  async insertEvent(event: NewCallEvent): Promise<void> {
    await this.write(
      `call_events:${event.callId}:${event.sequence}`,
      this.trx.insertInto('call_events').values({
        call_id: event.callId,
        sequence: event.sequence,
        type: event.type,
        source: event.source,
        occurred_at: event.occurredAt.toISOString(),
        received_at: event.receivedAt.toISOString(),
        payload: JSON.stringify(event.payload),
        applied: event.applied ? 1 : 0,
        deliveries: event.deliveries,
        dedupe_key: event.dedupeKey ?? null,
      }),
    );
  }

  async countRedelivery(callId: string, dedupeKey: string): Promise<boolean> {
    if (this.shared) return this.shared.request(this, { kind: 'redelivery', callId, dedupeKey });
    await this.flush();
    const result = await this.trx
      .updateTable('call_events')
      .set((eb) => ({ deliveries: eb('deliveries', '+', 1) }))
      .where('call_id', '=', callId)
      .where('dedupe_key', '=', dedupeKey)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recordUnmatchedEvent(event: UnmatchedEvent): Promise<void> {
    await this.write(
      undefined,
      this.trx.insertInto('unmatched_events').values({
        received_at: event.receivedAt.toISOString(),
        provider_call_id: event.providerCallId,
        event_type: event.eventType,
        reason: event.reason,
        payload: JSON.stringify(event.payload),
      }),
    );
  }

  /** With the writes still held back, as the last part of their statement: its row comes back. */
  async insertOutbox(effect: Effect, notBefore: Date, lease: OutboxLease, now: Date, attemptStarted = false): Promise<OutboxItem> {
    const values: Insertable<OutboxTable> = {
      call_id: effect.callId,
      kind: effect.kind,
      effect: JSON.stringify(effect),
      status: OutboxStatus.PENDING,
      attempts: attemptStarted ? 1 : 0,
      not_before: notBefore.toISOString(),
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      last_error: null,
      locked_by: lease.by,
      locked_until: lease.until.toISOString(),
    };
    if (this.shared) return toOutboxItem(await this.shared.request(this, { kind: 'outbox', values }));
    const insert = this.trx.insertInto('outbox').values(values).returningAll();
    const { rows } = await this.trx.executeQuery(this.withPending(insert.compile()));
    return toOutboxItem(rows[0]!);
  }

  async startOutboxAttempt(id: number, lease: OutboxLease, now: Date): Promise<boolean> {
    const result = await this.read(
      this.trx
        .updateTable('outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          locked_by: lease.by,
          locked_until: lease.until.toISOString(),
          updated_at: now.toISOString(),
        }))
        .where('id', '=', id)
        .where('status', '=', OutboxStatus.PENDING)
        .where((eb) =>
          eb.or([eb('locked_until', 'is', null), eb('locked_by', '=', lease.by), eb('locked_until', '<', now.toISOString())]),
        ),
    );
    return (result.numAffectedRows ?? 0n) > 0n;
  }

  async deferOutbox(id: number, notBefore: Date, lease: OutboxLease, now: Date): Promise<void> {
    await this.write(
      `outbox:${id}`,
      this.trx
        .updateTable('outbox')
        .set({
          not_before: notBefore.toISOString(),
          locked_by: lease.by,
          locked_until: lease.until.toISOString(),
          updated_at: now.toISOString(),
        })
        .where('id', '=', id),
    );
  }

  async finishOutbox(id: number, status: Exclude<OutboxStatus, 'pending'>, error: string | null, now: Date): Promise<void> {
    await this.write(`outbox:${id}`, this.trx.updateTable('outbox').set({ status, last_error: error, updated_at: now.toISOString() }).where('id', '=', id));
  }

  async findPendingOutbox(callId: string, kind: EffectKind): Promise<OutboxItem[]> {
    const { rows } = await this.read(
      this.trx
        .selectFrom('outbox')
        .selectAll()
        .where('call_id', '=', callId)
        .where('kind', '=', kind)
        .where('status', '=', OutboxStatus.PENDING)
        .orderBy('id'),
    );
    return rows.map(toOutboxItem);
  }

  async findIdempotencyKey(scope: string, operation: string, key: string): Promise<IdempotencyRecord | null> {
    const {
      rows: [row],
    } = await this.read(
      this.trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'result_id'])
        .where('scope', '=', scope)
        .where('operation', '=', operation)
        .where('key', '=', key),
    );
    return row ? { requestHash: row.request_hash, resultId: row.result_id } : null;
  }

  async insertIdempotencyKey(scope: string, operation: string, key: string, record: IdempotencyRecord, now: Date): Promise<void> {
    await this.write(
      undefined,
      this.trx.insertInto('idempotency_keys').values({
        scope,
        operation,
        key,
        request_hash: record.requestHash,
        result_id: record.resultId,
        created_at: now.toISOString(),
      }),
    );
  }

  /** Sends the writes held back, as one statement. Before every read, and before the commit. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    if (this.shared) return this.shared.request(this, { kind: 'flush' });
    const [only] = this.pending;
    const query = this.pending.length === 1 ? only! : this.withPending(CompiledQuery.raw('select 1', []));
    this.pending.length = 0;
    this.pendingRows.clear();
    await this.trx.executeQuery(query);
  }

  /** The writes held back, for a batch to send with its other members' ({@link SharedTransaction}); none are left. */
  takeWrites(): CompiledQuery[] {
    const writes = this.pending.splice(0);
    this.pendingRows.clear();
    return writes;
  }

  /** A statement that reads (or returns what it changed), run after this transaction's held-back writes. */
  private async read<R>(query: Compilable<R>): Promise<QueryResult<R>> {
    if (this.shared) return this.shared.request(this, { kind: 'statement', query: query.compile() });
    await this.flush();
    return this.trx.executeQuery(query.compile());
  }

  /**
   * A write: sent now, or held back where writes are batched. `row` names what it touches; a write
   * to a row a held-back write touches goes after those (one statement's parts cannot see each other's changes).
   */
  private async write(row: string | undefined, query: Compilable): Promise<void> {
    if (!this.traits.batchWrites) {
      await this.trx.executeQuery(query.compile());
      return;
    }
    if (row !== undefined && this.pendingRows.has(row)) await this.flush();
    this.pending.push(query.compile());
    if (row !== undefined) this.pendingRows.add(row);
  }

  /** `last` preceded by the writes held back ({@link withWrites}); none are left. */
  private withPending<O>(last: CompiledQuery<O>): CompiledQuery<O> {
    return withWrites(this.takeWrites(), last);
  }
}

/**
 * `last` preceded by `writes`, as data-modifying CTEs of one statement (each of which runs once,
 * to completion, whatever `last` reads), their `$n` parameters renumbered.
 */
export function withWrites<O>(writes: readonly CompiledQuery[], last: CompiledQuery<O>): CompiledQuery<O> {
  if (writes.length === 0) return last;
  const parameters: unknown[] = [];
  const renumbered = (query: CompiledQuery): string => {
    const offset = parameters.length;
    parameters.push(...query.parameters);
    return query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  };
  const parts = writes.map((query, i) => `w${i} as (${renumbered(query)})`);
  return CompiledQuery.raw(`with ${parts.join(', ')} ${renumbered(last)}`, parameters) as CompiledQuery<O>;
}

/** Runs `work` as one store transaction on `trx`, sending what it held back at its end. */
export async function runWork<T>(trx: Transaction<Database>, traits: SqlDialectTraits, work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
  const tx = new SqlTransaction(trx, traits);
  const result = await work(tx);
  await tx.flush();
  return result;
}

export async function listPlaybacksOf(db: Kysely<Database>, callId: string): Promise<PlaybackRecord[]> {
  const rows = await db.selectFrom('playbacks').selectAll().where('call_id', '=', callId).orderBy('position').execute();
  return rows.map(toPlayback);
}

