import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CallRecord, PlaybackRecord } from '../calls/call.js';
import type { CallStoreTransaction, IdempotencyRecord, NewCallEvent, OutboxLease, UnmatchedEvent } from '../calls/call-store.js';
import { OutboxStatus, type Effect, type EffectKind, type OutboxItem } from '../calls/outbox.js';
import type { CallsTable, Database } from './database.js';
import { fromCall, fromPlayback, toCall, toOutboxItem, toPlayback } from './row-mapping.js';
import type { SqlDialectTraits } from './sql-dialect-traits.js';

/** One store transaction: the row locks, reads and writes a change to a call is made of. */
export class SqlTransaction implements CallStoreTransaction {
  /** Call rows as this transaction read them, so an update writes only the columns that changed. */
  private readonly readRows = new Map<string, Selectable<CallsTable>>();

  constructor(
    private readonly trx: Transaction<Database>,
    private readonly traits: SqlDialectTraits,
  ) {}

  lockCall(id: string): Promise<CallRecord | null> {
    return this.lockOne('id', id);
  }

  lockCallByProviderId(providerCallId: string): Promise<CallRecord | null> {
    return this.lockOne('provider_call_id', providerCallId);
  }

  private async lockOne(column: 'id' | 'provider_call_id', value: string): Promise<CallRecord | null> {
    let query = this.trx.selectFrom('calls').selectAll().where(column, '=', value);
    if (this.traits.lockRows) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) return null;
    this.readRows.set(row.id, row);
    return toCall(row);
  }

  async findCallIdOfPlayback(playbackId: string): Promise<string | null> {
    const row = await this.trx.selectFrom('playbacks').select('call_id').where('id', '=', playbackId).executeTakeFirst();
    return row?.call_id ?? null;
  }

  async insertCall(call: CallRecord): Promise<void> {
    await this.trx.insertInto('calls').values(fromCall(call)).execute();
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
    await this.trx.updateTable('calls').set(changed).where('id', '=', id).execute();
    this.readRows.set(id, { id, ...columns });
  }

  listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    return listPlaybacksOf(this.trx, callId);
  }

  async insertPlayback(playback: PlaybackRecord): Promise<void> {
    await this.trx.insertInto('playbacks').values(fromPlayback(playback)).execute();
  }

  async updatePlayback(playback: PlaybackRecord): Promise<void> {
    const { id, ...columns } = fromPlayback(playback);
    await this.trx.updateTable('playbacks').set(columns).where('id', '=', id).execute();
  }

  async insertEvent(event: NewCallEvent): Promise<void> {
    await this.trx
      .insertInto('call_events')
      .values({
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
      })
      .execute();
  }

  async countRedelivery(callId: string, dedupeKey: string): Promise<boolean> {
    const result = await this.trx
      .updateTable('call_events')
      .set((eb) => ({ deliveries: eb('deliveries', '+', 1) }))
      .where('call_id', '=', callId)
      .where('dedupe_key', '=', dedupeKey)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recordUnmatchedEvent(event: UnmatchedEvent): Promise<void> {
    await this.trx
      .insertInto('unmatched_events')
      .values({
        received_at: event.receivedAt.toISOString(),
        provider_call_id: event.providerCallId,
        event_type: event.eventType,
        reason: event.reason,
        payload: JSON.stringify(event.payload),
      })
      .execute();
  }

  async insertOutbox(effect: Effect, notBefore: Date, lease: OutboxLease, now: Date): Promise<OutboxItem> {
    const row = await this.trx
      .insertInto('outbox')
      .values({
        call_id: effect.callId,
        kind: effect.kind,
        effect: JSON.stringify(effect),
        status: OutboxStatus.PENDING,
        attempts: 0,
        not_before: notBefore.toISOString(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        last_error: null,
        locked_by: lease.by,
        locked_until: lease.until.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOutboxItem(row);
  }

  async startOutboxAttempt(id: number, lease: OutboxLease, now: Date): Promise<boolean> {
    const result = await this.trx
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
      )
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deferOutbox(id: number, notBefore: Date, lease: OutboxLease, now: Date): Promise<void> {
    await this.trx
      .updateTable('outbox')
      .set({
        not_before: notBefore.toISOString(),
        locked_by: lease.by,
        locked_until: lease.until.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  async finishOutbox(id: number, status: Exclude<OutboxStatus, 'pending'>, error: string | null, now: Date): Promise<void> {
    await this.trx
      .updateTable('outbox')
      .set({ status, last_error: error, updated_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async findPendingOutbox(callId: string, kind: EffectKind): Promise<OutboxItem[]> {
    const rows = await this.trx
      .selectFrom('outbox')
      .selectAll()
      .where('call_id', '=', callId)
      .where('kind', '=', kind)
      .where('status', '=', OutboxStatus.PENDING)
      .orderBy('id')
      .execute();
    return rows.map(toOutboxItem);
  }

  async findIdempotencyKey(scope: string, operation: string, key: string): Promise<IdempotencyRecord | null> {
    const row = await this.trx
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'result_id'])
      .where('scope', '=', scope)
      .where('operation', '=', operation)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? { requestHash: row.request_hash, resultId: row.result_id } : null;
  }

  async insertIdempotencyKey(scope: string, operation: string, key: string, record: IdempotencyRecord, now: Date): Promise<void> {
    await this.trx
      .insertInto('idempotency_keys')
      .values({
        scope,
        operation,
        key,
        request_hash: record.requestHash,
        result_id: record.resultId,
        created_at: now.toISOString(),
      })
      .execute();
  }
}

export async function listPlaybacksOf(db: Kysely<Database>, callId: string): Promise<PlaybackRecord[]> {
  const rows = await db.selectFrom('playbacks').selectAll().where('call_id', '=', callId).orderBy('position').execute();
  return rows.map(toPlayback);
}

