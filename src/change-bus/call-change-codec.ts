import type { CallRecord } from '../calls/call.js';
import type { CallChange } from '../calls/change-notifier.js';

/** A change as it travels between instances: JSON, whose dates become ISO strings. */
export function serializeCallChange(change: CallChange): string {
  return JSON.stringify({ callId: change.callId, sequence: change.sequence, call: change.call });
}

/** Keys of `T` whose values may be a `Date`. */
type DateKeys<T> = { [K in keyof T]-?: Date extends T[K] ? K : never }[keyof T];

/** The `CallRecord` fields JSON turns into strings and a receiver turns back into dates. */
const CALL_DATE_FIELDS = ['createdAt', 'updatedAt', 'answeredAt', 'endedAt'] as const satisfies readonly DateKeys<CallRecord>[];
// Fails to compile when `CallRecord` gains a date the list above does not revive.
const everyCallDateRevived: [Exclude<DateKeys<CallRecord>, (typeof CALL_DATE_FIELDS)[number]>] extends [never] ? true : never = true;
void everyCallDateRevived;

/** A change as another instance published it, or null when the message is not one. */
export function parseCallChange(message: string): CallChange | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { callId, sequence, call } = parsed as Record<string, unknown>;
  if (typeof callId !== 'string' || typeof sequence !== 'number' || typeof call !== 'object' || call === null) return null;
  const record = call as Record<string, unknown>;
  if (record.id !== callId) return null;
  for (const field of CALL_DATE_FIELDS) {
    const value = record[field];
    if (value === null || value === undefined) continue;
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) return null;
    record[field] = date;
  }
  return { callId, sequence, call: record as unknown as CallRecord };
}
