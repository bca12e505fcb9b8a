import type { CallRecord } from '../../src/calls/call.js';

/** The moment the store tests' records are stamped with. */
export const T0 = new Date('2024-03-01T12:00:00.000Z');

/** A call as a store holds it: an outbound call ringing since {@link T0}, with `patch` applied. */
export function callRecord(id: string, patch: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    providerCallId: null,
    direction: 'OUTBOUND',
    from: '+19195550100',
    to: '+19195550123',
    state: 'RINGING',
    endReason: null,
    hangupCause: null,
    callTimeoutSeconds: null,
    createdAt: T0,
    updatedAt: T0,
    answeredAt: null,
    endedAt: null,
    lastSequence: 0,
    ...patch,
  };
}
