/**
 * A provider event reduced to what the call domain acts on.
 *
 * Adapters translate their own webhook payloads into this shape; the raw payload still goes into
 * the call's event log untouched.
 */
export type CallSignal =
  | { kind: 'incoming'; from: string; to: string }
  | { kind: 'answered' }
  | { kind: 'playback-started' }
  | { kind: 'playback-done' }
  /**
   * A looping file reached its end and the provider asks what to do next (v2, where BXML has no
   * loop): while it still plays, it is requested again.
   */
  | { kind: 'playback-looped' }
  | { kind: 'ended'; cause: string }
  | { kind: 'timed-out' }
  /** Events the domain records but does not act on (speak, dtmf, gather, recording, unknown types, …). */
  | { kind: 'informational' };

/** One delivery from the provider's webhook, validated and ready for the domain. */
export interface ProviderEvent {
  /** The provider's event type as sent (`answer`, `playback`, `hangup`, …); recorded as the log entry's type. */
  type: string;
  /** The provider's id of the call the event is about. */
  providerCallId: string;
  /** Tag echoed by the provider: our call id on call events, our playback id on playback events. */
  tag?: string;
  /** When the provider says it happened; falls back to the time we received it. */
  occurredAt: Date;
  signal: CallSignal;
  /** The payload as received, kept for the log. */
  payload: Record<string, unknown>;
  /** Identifies a redelivery of the same event, so it is recorded once and applied once. */
  dedupeKey: string;
}
