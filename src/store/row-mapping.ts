import type { Selectable } from 'kysely';
import type { CallDirection, CallEventRecord, CallRecord, CallState, EndReason, EventSource, PlaybackRecord, PlaybackStatus } from '../calls/call.js';
import type { Effect, OutboxItem } from '../calls/outbox.js';
import type { CallEventsTable, CallsTable, OutboxTable, PlaybacksTable } from './database.js';

/** Rows as the tables hold them (ISO text dates, 0/1 flags, JSON text) to the domain's records and back. */

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));
const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

export function toCall(row: Selectable<CallsTable>): CallRecord {
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

export function fromCall(call: CallRecord): Selectable<CallsTable> {
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

export function toPlayback(row: Selectable<PlaybacksTable>): PlaybackRecord {
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

export function fromPlayback(playback: PlaybackRecord): Selectable<PlaybacksTable> {
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

export function toEvent(row: Selectable<CallEventsTable>): CallEventRecord {
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

export function toOutboxItem(row: Selectable<OutboxTable>): OutboxItem {
  return {
    id: Number(row.id),
    callId: row.call_id,
    effect: JSON.parse(row.effect) as Effect,
    attempts: Number(row.attempts),
    notBefore: new Date(row.not_before),
    createdAt: new Date(row.created_at),
  };
}
