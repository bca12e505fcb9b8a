/** The call domain's records, as the store keeps them and every layer above reads them. */

export const CallDirection = { OUTBOUND: 'OUTBOUND', INBOUND: 'INBOUND' } as const;
export type CallDirection = (typeof CallDirection)[keyof typeof CallDirection];

export const CallState = {
  /** Stored and waiting for its turn under the outbound call rate limit; not sent yet. */
  QUEUED: 'QUEUED',
  /** Being placed: sent (or about to be sent) to the provider, not yet accepted. */
  REQUESTED: 'REQUESTED',
  /**
   * Sent, but the provider could not say whether it placed the call (a 5xx, a timeout, a connection
   * lost after sending): it may be ringing. Never dialled again until the provider's events or
   * records settle whether it exists.
   */
  UNCONFIRMED: 'UNCONFIRMED',
  /** Accepted by the provider (outbound) or announced by it (inbound); not answered yet. */
  RINGING: 'RINGING',
  ACTIVE: 'ACTIVE',
  /** Ended normally: hung up after answer, or cancelled before it. */
  COMPLETED: 'COMPLETED',
  /** Never connected (busy, no answer, rejected, unreachable) or the provider refused it. */
  FAILED: 'FAILED',
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

const TERMINAL_CALL_STATES: ReadonlySet<CallState> = new Set([CallState.COMPLETED, CallState.FAILED]);
/** The states of a call that has not ended, in the order a call moves through them. */
export const LIVE_CALL_STATES: readonly CallState[] = Object.values(CallState).filter((state) => !TERMINAL_CALL_STATES.has(state));

export const EndReason = {
  HANGUP: 'HANGUP',
  CANCELLED: 'CANCELLED',
  BUSY: 'BUSY',
  NO_ANSWER: 'NO_ANSWER',
  REJECTED: 'REJECTED',
  UNREACHABLE: 'UNREACHABLE',
  ERROR: 'ERROR',
  BANDWIDTH_ERROR: 'BANDWIDTH_ERROR',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

export const PlaybackStatus = {
  QUEUED: 'QUEUED',
  PLAYING: 'PLAYING',
  DONE: 'DONE',
  STOPPED: 'STOPPED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
} as const;
export type PlaybackStatus = (typeof PlaybackStatus)[keyof typeof PlaybackStatus];

export const EventSource = {
  BANDWIDTH: 'BANDWIDTH',
  SERVICE: 'SERVICE',
  /** Synthesised from the provider's records because its own event never arrived. */
  RECONCILED: 'RECONCILED',
} as const;
export type EventSource = (typeof EventSource)[keyof typeof EventSource];

export interface CallRecord {
  id: string;
  providerCallId: string | null;
  direction: CallDirection;
  from: string;
  to: string;
  state: CallState;
  endReason: EndReason | null;
  /** The provider's own word for why the call ended (`NORMAL_CLEARING`, `USER_BUSY`, an error code, …). */
  hangupCause: string | null;
  callTimeoutSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Sequence of the last event in the call's log; doubles as the record's version. */
  lastSequence: number;
}

export interface PlaybackRecord {
  id: string;
  callId: string;
  /** Play order within the call; an interrupting file takes a position ahead of the queue. */
  position: number;
  fileUrl: string;
  loop: boolean;
  status: PlaybackStatus;
  error: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
}

export interface CallEventRecord {
  callId: string;
  /** Gap-free, starting at 1 for each call. */
  sequence: number;
  type: string;
  source: EventSource;
  occurredAt: Date;
  receivedAt: Date;
  payload: Record<string, unknown>;
  /** False when the event changed nothing: a late event after the call ended, a repeat, an unknown type. */
  applied: boolean;
  /** How many times the provider delivered this event (redeliveries are counted, not logged again). */
  deliveries: number;
}

export function isTerminal(state: CallState): boolean {
  return TERMINAL_CALL_STATES.has(state);
}
