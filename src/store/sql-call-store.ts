import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  CallDirection,
  CallEventRecord,
  CallRecord,
  CallState,
  EndReason,
  EventSource,
  PlaybackRecord,
  PlaybackStatus,
} from '../calls/call.js';
import { LIVE_CALL_STATES, PlaybackStatus as PLAYBACK_STATUSES } from '../calls/call.js';
import type {
  CallStore,
  CallStoreTransaction,
  IdempotencyRecord,
  LiveWork,
  ListCallsQuery,
  OutboxLease,
  NewCallEvent,
  UnmatchedEvent,
} from '../calls/call-store.js';
import { OutboxStatus, type Effect, type EffectKind, type OutboxItem } from '../calls/outbox.js';
import type { CallEventsTable, CallsTable, Database, OutboxTable, PlaybacksTable } from './database.js';
import { GroupCommit } from './group-commit.js';

/**
 * Dialect-specific pieces of an otherwise shared SQL store: how a transaction locks the call row
 * it reads (SQLite serialises whole transactions; PostgreSQL needs `FOR UPDATE`).
 */
export interface SqlDialectTraits {
  /** Whether transactions must lock the rows they read (PostgreSQL) or are serialised whole (SQLite). */
  lockRows: boolean;
  /** Whether an error is a lost race (unique violation, serialization failure) worth a retry. */
  isConflict(error: unknown): boolean;
  /**
   * Whether transactions that arrive together are committed together ({@link GroupCommit}): for
   * a single-connection database, where they would run one after the other anyway.
   */
  groupCommit?: boolean;
}

/** The call store over any Kysely dialect whose tables match {@link Database}. */
export class SqlCallStore implements CallStore {
  private readonly groupCommit: GroupCommit | undefined;

  constructor(
    protected readonly db: Kysely<Database>,
    private readonly traits: SqlDialectTraits,
    private readonly onClose: () => Promise<void> = () => db.destroy(),
  ) {
    this.groupCommit = traits.groupCommit ? new GroupCommit(db) : undefined;
  }

  transaction<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
    const run = (trx: Transaction<Database>): Promise<T> => work(new SqlTransaction(trx, this.traits));
    return this.groupCommit ? this.groupCommit.run(run) : this.db.transaction().execute(run);
  }

  async getCall(id: string): Promise<CallRecord | null> {
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
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
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first).execute();
    return rows.map(toCall);
  }

  async getPlayback(id: string): Promise<PlaybackRecord | null> {
    const row = await this.db.selectFrom('playbacks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlayback(row) : null;
  }

  async listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    return listPlaybacksOf(this.db, callId);
  }

  async listEvents(callId: string, afterSequence: number, limit: number): Promise<CallEventRecord[]> {
    const rows = await this.db
      .selectFrom('call_events')
      .selectAll()
      .where('call_id', '=', callId)
      .where('sequence', '>', afterSequence)
      .orderBy('sequence', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async listUnmatchedEvents(limit: number): Promise<UnmatchedEvent[]> {
    const rows = await this.db.selectFrom('unmatched_events').selectAll().orderBy('id', 'desc').limit(limit).execute();
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
    });
  }

  async listSilentCalls(before: Date, limit: number): Promise<CallRecord[]> {
    const rows = await this.db
      .selectFrom('calls')
      .selectAll()
      .where('state', 'not in', ['COMPLETED', 'FAILED'])
      .where('updated_at', '<', before.toISOString())
      .orderBy('updated_at')
      .limit(limit)
      .execute();
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
      .executeTakeFirst();
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

class SqlTransaction implements CallStoreTransaction {
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

async function listPlaybacksOf(db: Kysely<Database>, callId: string): Promise<PlaybackRecord[]> {
  const rows = await db.selectFrom('playbacks').selectAll().where('call_id', '=', callId).orderBy('position').execute();
  return rows.map(toPlayback);
}

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));
const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function toCall(row: Selectable<CallsTable>): CallRecord {
  return {
    id: row.id,
    providerCallId: row.provider_call_id,
    direction: row.direction as CallDirection,
    from: row.from_number,
    to: row.to_number,
    state: row.state as CallState,
    endReason: row.end_reason as EndReason | null,
    hangupCause: row.hangup_cause,
    callTimeoutSeconds: row.call_timeout_seconds,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    answeredAt: date(row.answered_at),
    endedAt: date(row.ended_at),
    lastSequence: Number(row.last_sequence),
  };
}

function fromCall(call: CallRecord): Selectable<CallsTable> {
  return {
    id: call.id,
    provider_call_id: call.providerCallId,
    direction: call.direction,
    from_number: call.from,
    to_number: call.to,
    state: call.state,
    end_reason: call.endReason,
    hangup_cause: call.hangupCause,
    call_timeout_seconds: call.callTimeoutSeconds,
    created_at: call.createdAt.toISOString(),
    updated_at: call.updatedAt.toISOString(),
    answered_at: iso(call.answeredAt),
    ended_at: iso(call.endedAt),
    last_sequence: call.lastSequence,
  };
}

function toPlayback(row: Selectable<PlaybacksTable>): PlaybackRecord {
  return {
    id: row.id,
    callId: row.call_id,
    position: Number(row.position),
    fileUrl: row.file_url,
    loop: row.loop === 1,
    status: row.status as PlaybackStatus,
    error: row.error,
    queuedAt: new Date(row.queued_at),
    startedAt: date(row.started_at),
    endedAt: date(row.ended_at),
  };
}

function fromPlayback(playback: PlaybackRecord): Selectable<PlaybacksTable> {
  return {
    id: playback.id,
    call_id: playback.callId,
    position: playback.position,
    file_url: playback.fileUrl,
    loop: playback.loop ? 1 : 0,
    status: playback.status,
    error: playback.error,
    queued_at: playback.queuedAt.toISOString(),
    started_at: iso(playback.startedAt),
    ended_at: iso(playback.endedAt),
  };
}

function toEvent(row: Selectable<CallEventsTable>): CallEventRecord {
  return {
    callId: row.call_id,
    sequence: Number(row.sequence),
    type: row.type,
    source: row.source as EventSource,
    occurredAt: new Date(row.occurred_at),
    receivedAt: new Date(row.received_at),
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    applied: row.applied === 1,
    deliveries: Number(row.deliveries),
  };
}

function toOutboxItem(row: Selectable<OutboxTable>): OutboxItem {
  return {
    id: Number(row.id),
    callId: row.call_id,
    effect: JSON.parse(row.effect) as Effect,
    attempts: Number(row.attempts),
    notBefore: new Date(row.not_before),
    createdAt: new Date(row.created_at),
  };
}
