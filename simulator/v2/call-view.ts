import type { SimCall } from '../core/sim-call.js';
import { requireV2Data } from './call-data.js';
import { defaultErrorMessage, v2Cause } from './causes.js';

/** v1-named engine states as v2's `state` (bandwidth-v2.md §4.1); the simulator never holds calls in `queued`. */
export function v2State(call: SimCall): 'initiated' | 'answered' | 'disconnected' {
  if (call.ended) return 'disconnected';
  return call.state === 'active' ? 'answered' : 'initiated';
}

function iso(time: Date | undefined): string | null {
  return time === undefined ? null : time.toISOString();
}

/** The call state `GET …/calls/{callId}` returns; it has no `tag` (§4.1). */
export function callStateView(call: SimCall): Record<string, unknown> {
  const data = requireV2Data(call);
  const cause = call.ended ? (v2Cause(call.endCause) ?? null) : null;
  const errorMessage = cause === null ? null : (data.errorMessage ?? defaultErrorMessage(cause) ?? null);
  const lastUpdate = call.endTime ?? call.activeTime ?? call.startTime;
  return {
    applicationId: data.applicationId,
    accountId: data.accountId,
    callId: call.id,
    parentCallId: null,
    to: call.to,
    from: call.from,
    direction: call.direction === 'in' ? 'inbound' : 'outbound',
    state: v2State(call),
    stirShaken: null,
    identity: null,
    enqueuedTime: iso(data.enqueuedTime),
    startTime: call.startTime.toISOString(),
    answerTime: iso(call.activeTime),
    endTime: iso(call.endTime),
    disconnectCause: cause,
    errorMessage,
    errorId: errorMessage === null ? null : (data.errorId ?? null),
    lastUpdate: lastUpdate.toISOString(),
  };
}
