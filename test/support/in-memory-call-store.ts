import {
  LIVE_CALL_STATES,
  PlaybackStatus,
  isTerminal,
  type CallEventRecord,
  type CallRecord,
  type PlaybackRecord,
} from '../../src/calls/call.js';
import type {
  CallCursor,
  CallStore,
  CallStoreTransaction,
  IdempotencyRecord,
  ListCallsQuery,
  LiveWork,
  NewCallEvent,
  OutboxLease,
  UnmatchedEvent,
} from '../../src/calls/call-store.js';
import { OutboxStatus, type Effect, type EffectKind, type OutboxItem } from '../../src/calls/outbox.js';

/** An outbox entry with the columns the SQL store keeps beside what it hands out. */
export interface OutboxRow extends OutboxItem {
  status: OutboxStatus;
  lastError: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  updatedAt: Date;
}

interface Tables {
  calls: Map<string, CallRecord>;
  playbacks: Map<string, PlaybackRecord>;
  /** Each call's log, in sequence order. */
  events: Map<string, NewCallEvent[]>;
  unmatched: UnmatchedEvent[];
  outbox: Map<number, OutboxRow>;
  nextOutboxId: number;
  idempotencyKeys: Map<string, IdempotencyRecord & { createdAt: Date }>;
}

/** A unique key taken, as the SQL store's constraint would report it: a lost race, worth a retry. */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The {@link CallStore} contract in memory, for tests of the call domain that must run in
 * milliseconds. It honours what the SQL store guarantees and the domain relies on:
 *
 * - transactions run one at a time (a whole-store lock, as SQLite has), each on a copy of the
 *   tables that replaces them only when the work succeeds, so a transaction that throws changes nothing;
 * - the unique keys of the schema (call id and provider id, playback id, event sequence and dedupe
 *   key per call, idempotency key per scope and operation) refuse a duplicate with {@link UniqueViolation};
 * - outbox leases as `claimOutbox` and `startOutboxAttempt` document them;
 * - every record handed out, or taken in, is a copy: the caller cannot change the store behind its back.
 */
export class InMemoryCallStore implements CallStore {
  private tables: Tables = {
    calls: new Map(),
    playbacks: new Map(),
    events: new Map(),
    unmatched: [],
    outbox: new Map(),
    nextOutboxId: 1,
    idempotencyKeys: new Map(),
  };
  private tail: Promise<unknown> = Promise.resolve();
  private commitFailure: Error | undefined;

  transaction<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const draft = copy(this.tables);
      const tx = new InMemoryTransaction(draft);
      try {
        const result = await work(tx);
        const failure = this.commitFailure;
        this.commitFailure = undefined;
        if (failure) throw failure;
        this.tables = draft;
        return result;
      } finally {
        tx.close();
      }
    });
  }

  /** Makes the next transaction fail at its commit, after its work ran: a disk that fills up, a lost connection. */
  failNextCommit(error: Error = new Error('commit failed')): void {
    this.commitFailure = error;
  }

  /** The outbox as it stands, oldest first: what tests assert on beside the public records. */
  outbox(): OutboxRow[] {
    return copy([...this.tables.outbox.values()]);
  }

  async getCall(id: string): Promise<CallRecord | null> {
    return copy(this.tables.calls.get(id) ?? null);
  }

  async listCalls({ first, after, state }: ListCallsQuery): Promise<CallRecord[]> {
    const newestFirst = (a: CallCursor, b: CallCursor): number =>
      b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    const calls = [...this.tables.calls.values()]
      .filter((call) => (!state || call.state === state) && (!after || newestFirst(after, call) < 0))
      .sort(newestFirst);
    return copy(calls.slice(0, first));
  }

  async getPlayback(id: string): Promise<PlaybackRecord | null> {
    return copy(this.tables.playbacks.get(id) ?? null);
  }

  async listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    return playbacksOf(this.tables, callId);
  }

  async listEvents(callId: string, afterSequence: number, limit: number): Promise<CallEventRecord[]> {
    const events = (this.tables.events.get(callId) ?? []).filter((event) => event.sequence > afterSequence).slice(0, limit);
    // The SQL store does not read the dedupe key back either.
    return copy(events).map(({ dedupeKey: _, ...event }) => event);
  }

  async listUnmatchedEvents(limit: number): Promise<UnmatchedEvent[]> {
    return copy(this.tables.unmatched.slice(-limit).reverse());
  }

  claimOutbox(lease: OutboxLease, now: Date, limit: number, afterId = 0): Promise<OutboxItem[]> {
    return this.exclusive(async () => {
      const free = [...this.tables.outbox.values()]
        .filter((row) => row.status === OutboxStatus.PENDING && row.id > afterId && isFree(row, lease, now))
        .slice(0, limit);
      for (const row of free) Object.assign(row, copy({ lockedBy: lease.by, lockedUntil: lease.until, updatedAt: now }));
      return free.map(toItem);
    });
  }

  async listSilentCalls(before: Date, limit: number): Promise<CallRecord[]> {
    const silent = [...this.tables.calls.values()]
      .filter((call) => !isTerminal(call.state) && call.updatedAt < before)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    return copy(silent.slice(0, limit));
  }

  async countLiveWork(): Promise<LiveWork> {
    const live = [...this.tables.calls.values()].filter((call) => LIVE_CALL_STATES.includes(call.state));
    const callsByState: LiveWork['callsByState'] = {};
    for (const call of live) callsByState[call.state] = (callsByState[call.state] ?? 0) + 1;
    const liveIds = new Set(live.map((call) => call.id));
    const queued = [...this.tables.playbacks.values()].filter(
      (p) => p.status === PlaybackStatus.QUEUED && liveIds.has(p.callId),
    );
    const pending = [...this.tables.outbox.values()].filter((row) => row.status === OutboxStatus.PENDING);
    return { callsByState, queuedPlaybacks: queued.length, pendingRequests: pending.length };
  }

  async deleteIdempotencyKeys(before: Date): Promise<number> {
    return this.exclusive(async () => {
      let deleted = 0;
      for (const [key, record] of this.tables.idempotencyKeys) {
        if (record.createdAt < before) deleted += Number(this.tables.idempotencyKeys.delete(key));
      }
      return deleted;
    });
  }

  isConflict(error: unknown): boolean {
    return error instanceof UniqueViolation;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  /** Runs `work` once every transaction before it has finished, and before any after it starts. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

class InMemoryTransaction implements CallStoreTransaction {
  private open = true;

  constructor(private readonly draft: Tables) {}

  close(): void {
    this.open = false;
  }

  /** The tables, refused once the transaction has ended: a late write would be lost silently otherwise. */
  private get t(): Tables {
    if (!this.open) throw new Error('transaction already finished');
    return this.draft;
  }

  async lockCall(id: string): Promise<CallRecord | null> {
    return copy(this.t.calls.get(id) ?? null);
  }

  async lockCallByProviderId(providerCallId: string): Promise<CallRecord | null> {
    return copy([...this.t.calls.values()].find((call) => call.providerCallId === providerCallId) ?? null);
  }

  async findCallIdOfPlayback(playbackId: string): Promise<string | null> {
    return this.t.playbacks.get(playbackId)?.callId ?? null;
  }

  async insertCall(call: CallRecord): Promise<void> {
    if (this.t.calls.has(call.id)) throw new UniqueViolation(`call ${call.id} exists`);
    this.writeCall(call);
  }

  async updateCall(call: CallRecord): Promise<void> {
    if (this.t.calls.has(call.id)) this.writeCall(call);
  }

  private writeCall(call: CallRecord): void {
    const taken = (other: CallRecord): boolean => other.providerCallId === call.providerCallId && other.id !== call.id;
    const clash = call.providerCallId !== null && [...this.t.calls.values()].some(taken);
    if (clash) throw new UniqueViolation(`provider call id ${call.providerCallId} is taken`);
    this.t.calls.set(call.id, copy(call));
  }

  async listPlaybacks(callId: string): Promise<PlaybackRecord[]> {
    return playbacksOf(this.t, callId);
  }

  async insertPlayback(playback: PlaybackRecord): Promise<void> {
    if (this.t.playbacks.has(playback.id)) throw new UniqueViolation(`playback ${playback.id} exists`);
    this.t.playbacks.set(playback.id, copy(playback));
  }

  async updatePlayback(playback: PlaybackRecord): Promise<void> {
    if (this.t.playbacks.has(playback.id)) this.t.playbacks.set(playback.id, copy(playback));
  }

  async insertEvent(event: NewCallEvent): Promise<void> {
    const log = this.t.events.get(event.callId) ?? [];
    if (log.some((e) => e.sequence === event.sequence)) throw new UniqueViolation(`event ${event.callId}#${event.sequence} exists`);
    if (event.dedupeKey !== undefined && log.some((e) => e.dedupeKey === event.dedupeKey)) {
      throw new UniqueViolation(`event ${event.dedupeKey} of ${event.callId} exists`);
    }
    log.push(copy(event));
    log.sort((a, b) => a.sequence - b.sequence);
    this.t.events.set(event.callId, log);
  }

  async countRedelivery(callId: string, dedupeKey: string): Promise<boolean> {
    const event = this.t.events.get(callId)?.find((e) => e.dedupeKey === dedupeKey);
    if (event) event.deliveries += 1;
    return event !== undefined;
  }

  async recordUnmatchedEvent(event: UnmatchedEvent): Promise<void> {
    this.t.unmatched.push(copy(event));
  }

  async insertOutbox(effect: Effect, notBefore: Date, lease: OutboxLease, now: Date, attemptStarted = false): Promise<OutboxItem> {
    const row: OutboxRow = copy({
      id: this.t.nextOutboxId++,
      callId: effect.callId,
      effect,
      attempts: attemptStarted ? 1 : 0,
      notBefore,
      createdAt: now,
      status: OutboxStatus.PENDING,
      lastError: null,
      lockedBy: lease.by,
      lockedUntil: lease.until,
      updatedAt: now,
    });
    this.t.outbox.set(row.id, row);
    return toItem(row);
  }

  async startOutboxAttempt(id: number, lease: OutboxLease, now: Date): Promise<boolean> {
    const row = this.t.outbox.get(id);
    if (!row || row.status !== OutboxStatus.PENDING || !isFree(row, lease, now)) return false;
    Object.assign(row, copy({ attempts: row.attempts + 1, lockedBy: lease.by, lockedUntil: lease.until, updatedAt: now }));
    return true;
  }

  async deferOutbox(id: number, notBefore: Date, lease: OutboxLease, now: Date): Promise<void> {
    const row = this.t.outbox.get(id);
    if (row) Object.assign(row, copy({ notBefore, lockedBy: lease.by, lockedUntil: lease.until, updatedAt: now }));
  }

  async finishOutbox(id: number, status: Exclude<OutboxStatus, 'pending'>, error: string | null, now: Date): Promise<void> {
    const row = this.t.outbox.get(id);
    if (row) Object.assign(row, copy({ status, lastError: error, updatedAt: now }));
  }

  async findPendingOutbox(callId: string, kind: EffectKind): Promise<OutboxItem[]> {
    return [...this.t.outbox.values()]
      .filter((row) => row.callId === callId && row.effect.kind === kind && row.status === OutboxStatus.PENDING)
      .map(toItem);
  }

  async findIdempotencyKey(scope: string, operation: string, key: string): Promise<IdempotencyRecord | null> {
    const record = this.t.idempotencyKeys.get(idempotencyId(scope, operation, key));
    return record ? { requestHash: record.requestHash, resultId: record.resultId } : null;
  }

  async insertIdempotencyKey(scope: string, operation: string, key: string, record: IdempotencyRecord, now: Date): Promise<void> {
    const id = idempotencyId(scope, operation, key);
    if (this.t.idempotencyKeys.has(id)) throw new UniqueViolation(`idempotency key ${key} exists`);
    this.t.idempotencyKeys.set(id, copy({ ...record, createdAt: now }));
  }
}

/** Nobody holds the entry: never leased, leased by the one asking, or its lease ran out. */
function isFree(row: OutboxRow, lease: OutboxLease, now: Date): boolean {
  return row.lockedUntil === null || row.lockedBy === lease.by || row.lockedUntil < now;
}

function toItem(row: OutboxRow): OutboxItem {
  const { id, callId, effect, attempts, notBefore, createdAt } = copy(row);
  return { id, callId, effect, attempts, notBefore, createdAt };
}

function playbacksOf(tables: Tables, callId: string): PlaybackRecord[] {
  return copy([...tables.playbacks.values()].filter((p) => p.callId === callId).sort((a, b) => a.position - b.position));
}

const idempotencyId = (scope: string, operation: string, key: string): string => JSON.stringify([scope, operation, key]);
