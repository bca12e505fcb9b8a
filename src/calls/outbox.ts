/**
 * Requests to the provider, written to the store in the transaction that decides them and sent
 * after it commits. What is written survives a crash; a pending request is sent on restart.
 */
export type Effect =
  | { kind: 'create'; callId: string; from: string; to: string; callTimeoutSeconds: number | null }
  | { kind: 'play'; callId: string; providerCallId: string; playbackId: string; fileUrl: string; loop: boolean }
  | { kind: 'stop'; callId: string; providerCallId: string }
  | { kind: 'hangup'; callId: string; providerCallId: string }
  | { kind: 'answer'; callId: string; providerCallId: string };

export type EffectKind = Effect['kind'];

export const OutboxStatus = {
  PENDING: 'pending',
  DONE: 'done',
  FAILED: 'failed',
  /** Never sent because it stopped making sense (a queued call hung up before it was dialled). */
  CANCELLED: 'cancelled',
} as const;
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];

export interface OutboxItem {
  id: number;
  callId: string;
  effect: Effect;
  /** How many times sending was started. More than zero on a pending item means a send may have happened. */
  attempts: number;
  /** Not to be sent before this time (rate limits, back-off). */
  notBefore: Date;
  createdAt: Date;
}
