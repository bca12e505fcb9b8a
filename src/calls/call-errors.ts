import { isTerminal, type CallRecord } from './call.js';
import type { ProviderError } from './voice-gateway.js';

/**
 * Errors the call domain raises on purpose. `code` is part of the public API: the GraphQL layer
 * exposes it as `extensions.code`, so clients can branch on it.
 */
export const CallErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  /** The call has ended (or not started) and cannot take this action. */
  CALL_NOT_ACTIVE: 'CALL_NOT_ACTIVE',
  /** `answerCall` on a call that is not a ringing inbound call. */
  CALL_NOT_RINGING: 'CALL_NOT_RINGING',
  BANDWIDTH_ERROR: 'BANDWIDTH_ERROR',
  /** An idempotency key sent again with a different request. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;
export type CallErrorCode = (typeof CallErrorCode)[keyof typeof CallErrorCode];

export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly code: CallErrorCode,
    message: string,
    /** Safe, client-facing details (never credentials). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function notFound(callId: string): CallError {
  return new CallError(CallErrorCode.NOT_FOUND, `No call with id ${callId}`, { callId });
}

export function assertNotEnded(call: CallRecord): void {
  if (isTerminal(call.state)) {
    throw new CallError(CallErrorCode.CALL_NOT_ACTIVE, `Call ${call.id} has ended (${call.state})`, {
      callId: call.id,
      state: call.state,
    });
  }
}

/** The provider's id of a call, which a request about it needs; refused while the call has none yet. */
export function requireProviderId(call: CallRecord): string {
  if (call.providerCallId) return call.providerCallId;
  throw new CallError(CallErrorCode.CALL_NOT_ACTIVE, `Call ${call.id} has not reached Bandwidth yet; retry shortly`, {
    callId: call.id,
    state: call.state,
  });
}

/** A provider's refusal of one of a client's requests, as the client sees it. */
export function bandwidthError(error: ProviderError, callId: string): CallError {
  return new CallError(CallErrorCode.BANDWIDTH_ERROR, `Bandwidth refused the request: ${error.message}`, {
    callId,
    bandwidthCode: error.code,
    status: error.status ?? null,
  });
}
