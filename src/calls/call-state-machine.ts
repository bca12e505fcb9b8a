import { CallState, EndReason, isTerminal, type CallRecord } from './call.js';

/**
 * The call state machine: QUEUED → REQUESTED (→ UNCONFIRMED) → RINGING → ACTIVE → COMPLETED, with
 * FAILED reachable from any state that has not ended. Terminal states are sticky: nothing moves a
 * call out of them.
 */
const NEXT: Record<CallState, readonly CallState[]> = {
  QUEUED: [CallState.REQUESTED, CallState.COMPLETED, CallState.FAILED],
  // Back to QUEUED when the provider's own rate limit refuses the call: it is retried later.
  REQUESTED: [CallState.QUEUED, CallState.UNCONFIRMED, CallState.RINGING, CallState.ACTIVE, CallState.COMPLETED, CallState.FAILED],
  // Back to REQUESTED only once the provider is known not to have placed it: dialled again.
  UNCONFIRMED: [CallState.REQUESTED, CallState.RINGING, CallState.ACTIVE, CallState.COMPLETED, CallState.FAILED],
  RINGING: [CallState.ACTIVE, CallState.COMPLETED, CallState.FAILED],
  ACTIVE: [CallState.COMPLETED, CallState.FAILED],
  COMPLETED: [],
  FAILED: [],
};

function canMove(from: CallState, to: CallState): boolean {
  return NEXT[from].includes(to);
}

export interface CallEnding {
  state: typeof CallState.COMPLETED | typeof CallState.FAILED;
  endReason: EndReason;
}

/**
 * How a Bandwidth hangup `cause` ends a call, on either API (v1's upper-case SIP-style words, v2's
 * lower-case `disconnect` causes). One rule: a normal clear-down completes the call (`HANGUP` once
 * answered, `CANCELLED` before); every other documented cause fails it with its reason, answered
 * or not; and anything else, including every error cause (`callback-error`, `invalid-bxml`, …,
 * v1's "anything else"), fails it as `ERROR`, `hangupCause` keeping Bandwidth's word.
 */
export function endingForHangupCause(cause: string, wasAnswered: boolean): CallEnding {
  switch (cause) {
    case 'ORIGINATOR_CANCEL':
    case 'NORMAL_CLEARING':
    case 'hangup':
    case 'cancel':
      return wasAnswered ? { state: CallState.COMPLETED, endReason: EndReason.HANGUP } : { state: CallState.COMPLETED, endReason: EndReason.CANCELLED };
    case 'USER_BUSY':
    case 'busy':
      return { state: CallState.FAILED, endReason: EndReason.BUSY };
    case 'CALL_REJECTED':
    case 'rejected':
      return { state: CallState.FAILED, endReason: EndReason.REJECTED };
    case 'NO_ANSWER':
    case 'timeout':
      return { state: CallState.FAILED, endReason: EndReason.NO_ANSWER };
    case 'UNALLOCATED_NUMBER':
    case 'NORMAL_TEMPORARY_FAILURE':
      return { state: CallState.FAILED, endReason: EndReason.UNREACHABLE };
    default:
      return { state: CallState.FAILED, endReason: EndReason.ERROR };
  }
}

/** Applies a move to the record, refusing any the machine does not allow. */
export function moveCall(call: CallRecord, to: CallState, at: Date): boolean {
  if (!canMove(call.state, to)) return false;
  call.state = to;
  if (to === CallState.ACTIVE) call.answeredAt ??= at;
  if (isTerminal(to)) call.endedAt ??= at;
  return true;
}
