import type { CallEventRecord, CallRecord, CallState, EventSource, PlaybackRecord } from './call.js';

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
  close(): Promise<void>;
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
}
