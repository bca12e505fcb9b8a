import type { Generated } from 'kysely';

/**
 * Table shapes shared by every SQL dialect. Timestamps are ISO-8601 UTC text and booleans are
 * 0/1 integers so one set of queries serves SQLite and PostgreSQL alike.
 */
export interface Database {
  calls: CallsTable;
  playbacks: PlaybacksTable;
  call_events: CallEventsTable;
  unmatched_events: UnmatchedEventsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
}

export interface CallsTable {
  id: string;
  provider_call_id: string | null;
  direction: string;
  from_number: string;
  to_number: string;
  state: string;
  end_reason: string | null;
  hangup_cause: string | null;
  call_timeout_seconds: number | null;
  created_at: string;
  updated_at: string;
  answered_at: string | null;
  ended_at: string | null;
  last_sequence: number;
}

export interface PlaybacksTable {
  id: string;
  call_id: string;
  position: number;
  file_url: string;
  loop: number;
  status: string;
  error: string | null;
  queued_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface CallEventsTable {
  call_id: string;
  sequence: number;
  type: string;
  source: string;
  occurred_at: string;
  received_at: string;
  payload: string;
  applied: number;
  deliveries: number;
  dedupe_key: string | null;
}

export interface UnmatchedEventsTable {
  id: Generated<number>;
  received_at: string;
  provider_call_id: string;
  event_type: string;
  reason: string;
  payload: string;
}

export interface OutboxTable {
  id: Generated<number>;
  call_id: string;
  kind: string;
  effect: string;
  status: string;
  attempts: number;
  not_before: string;
  created_at: string;
  updated_at: string;
  last_error: string | null;
  locked_by: string | null;
  locked_until: string | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  operation: string;
  key: string;
  request_hash: string;
  result_id: string;
  created_at: string;
}
