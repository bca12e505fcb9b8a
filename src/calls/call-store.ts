import type { CallEventRecord, CallRecord, CallState, PlaybackRecord } from './call.js';
import type { Effect, EffectKind, OutboxItem, OutboxStatus } from './outbox.js';

/** Position in the newest-first list of calls. */
export interface CallCursor {
  createdAt: Date;
  id: string;
}

export interface ListCallsQuery {
  first: number;
  after?: CallCursor;
  state?: CallState;
}

/** An event as written; `deliveries` starts at 1. */
export type NewCallEvent = CallEventRecord & {
  /** Identifies redeliveries of one provider event; absent on our own events. */
  dedupeKey?: string;
};

/** A provider event that matched no call, kept for diagnosis. */
export interface UnmatchedEvent {
  receivedAt: Date;
  providerCallId: string;
  eventType: string;
  reason: string;
  payload: Record<string, unknown>;
}

/**
 * The store cannot serve a request now, for a reason outside the request: its disk is full or
 * read-only, its server unreachable. Nothing of the request was kept; sent again later, it may
 * succeed. Any other store error is a fault.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    /** What is wrong, in a few words safe to log ('disk full', 'read-only', 'unreachable'). */
    readonly reason: string,
    options: { cause: unknown },
  ) {
    super(`storage unavailable: ${reason}`, options);
  }
}

/**
 * Persistence for calls, their audio queues and their event logs.
 *
 * Every change goes through {@link CallStore.transaction}; an implementation must make a
 * transaction's reads of a call (`lockCall*`) exclusive until it commits, so that two deliveries of
 * the same event can never both apply it and a call's event sequence stays gap-free.
 */
export interface CallStore {
  transaction<T>(work: (tx: CallStoreTransaction) => Promise<T>): Promise<T>;

  getCall(id: string): Promise<CallRecord | null>;
  listCalls(query: ListCallsQuery): Promise<CallRecord[]>;
  getPlayback(id: string): Promise<PlaybackRecord | null>;
  listPlaybacks(callId: string): Promise<PlaybackRecord[]>;
  /** Events with `sequence > afterSequence`, oldest first. */
  listEvents(callId: string, afterSequence: number, limit: number): Promise<CallEventRecord[]>;
  listUnmatchedEvents(limit: number): Promise<UnmatchedEvent[]>;
  /**
   * Takes over pending outbox entries nobody holds: never leased, leased by this instance (before
   * a restart), or whose lease ran out (their instance died). Oldest first, after the entry
   * `afterId` (0: from the start); each is leased to `lease.by` until `lease.until`. Two instances
   * never get the same entry.
   */
  claimOutbox(lease: OutboxLease, now: Date, limit: number, afterId?: number): Promise<OutboxItem[]>;
  /** Calls that have not ended and have not changed since `before`, oldest change first. */
  listSilentCalls(before: Date, limit: number): Promise<CallRecord[]>;
  /** How much live work there is, for metrics: calls not ended by state, files waiting on them, requests not yet sent. */
  countLiveWork(): Promise<LiveWork>;
  /** Forgets idempotency keys recorded before `before`; returns how many. */
  deleteIdempotencyKeys(before: Date): Promise<number>;
  /**
   * Whether a failed transaction lost a race with another writer (a unique key taken meanwhile,
   * a serialization failure) and may simply be run again.
   */
  isConflict(error: unknown): boolean;
  /** Whether the database answers, for readiness checks. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface LiveWork {
  /** Calls that have not ended, by state (states with none are absent). */
  callsByState: Partial<Record<CallState, number>>;
  /** Playbacks waiting their turn (`QUEUED`) on calls that have not ended. */
  queuedPlaybacks: number;
  /** Outbox entries (requests to the provider) not sent or settled yet. */
  pendingRequests: number;
}

/** Who may send an outbox entry, and until when. */
export interface OutboxLease {
  by: string;
  until: Date;
}

/** What an idempotency key was first used for, so a retry gets the same answer. */
export interface IdempotencyRecord {
  /** Digest of the request the key was first used with; a different request with the same key is refused. */
  requestHash: string;
  /** The id of what the first request produced (a call id, a playback id). */
  resultId: string;
}

export interface CallStoreTransaction {
  lockCall(id: string): Promise<CallRecord | null>;
  lockCallByProviderId(providerCallId: string): Promise<CallRecord | null>;
  /** The call a playback belongs to, so a playback event can find its call by the tag alone. */
  findCallIdOfPlayback(playbackId: string): Promise<string | null>;
  insertCall(call: CallRecord): Promise<void>;
  updateCall(call: CallRecord): Promise<void>;
  listPlaybacks(callId: string): Promise<PlaybackRecord[]>;
  insertPlayback(playback: PlaybackRecord): Promise<void>;
  updatePlayback(playback: PlaybackRecord): Promise<void>;
  insertEvent(event: NewCallEvent): Promise<void>;
  /** Counts one more delivery of an already logged event; false when no event has that key. */
  countRedelivery(callId: string, dedupeKey: string): Promise<boolean>;
  recordUnmatchedEvent(event: UnmatchedEvent): Promise<void>;

  /**
   * Writes a request, leased to `lease.by`. `attemptStarted`: its first attempt is recorded with it
   * (as {@link startOutboxAttempt} would), for a request its writer sends as soon as it commits.
   */
  insertOutbox(effect: Effect, notBefore: Date, lease: OutboxLease, now: Date, attemptStarted?: boolean): Promise<OutboxItem>;
  /**
   * Records that sending starts, renewing the lease — but only if the entry is still pending and
   * no other instance holds it. Done before every send, so a crash mid-send shows on restart and
   * two instances never both send one entry. False: leave it alone.
   */
  startOutboxAttempt(id: number, lease: OutboxLease, now: Date): Promise<boolean>;
  deferOutbox(id: number, notBefore: Date, lease: OutboxLease, now: Date): Promise<void>;
  finishOutbox(id: number, status: Exclude<OutboxStatus, 'pending'>, error: string | null, now: Date): Promise<void>;
  /** Pending requests of one kind for a call (a queued call's create, when it is hung up before dialling). */
  findPendingOutbox(callId: string, kind: EffectKind): Promise<OutboxItem[]>;

  findIdempotencyKey(scope: string, operation: string, key: string): Promise<IdempotencyRecord | null>;
  insertIdempotencyKey(scope: string, operation: string, key: string, record: IdempotencyRecord, now: Date): Promise<void>;
}
