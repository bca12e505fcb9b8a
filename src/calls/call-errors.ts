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
