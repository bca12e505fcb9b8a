/**
 * The port through which the call domain talks to a telephony provider.
 *
 * The domain only knows this interface; the Bandwidth v1 client implements it. Every method
 * rejects with a {@link ProviderError} when the provider refuses or cannot be reached.
 */
export interface VoiceGateway {
  /**
   * The same gateway, naming our `callId` in what it logs about the requests made through it:
   * the provider's own ids alone do not tell an operator which of our calls a line is about.
   */
  forCall(callId: string): VoiceGateway;
  /** Places an outbound call. Never retried blindly: a second call would ring the phone twice. */
  createCall(request: CreateProviderCall): Promise<{ providerCallId: string }>;
  /** Answers a ringing inbound call. */
  answer(providerCallId: string): Promise<void>;
  /** Ends a call, whether it is ringing or answered. */
  hangUp(providerCallId: string): Promise<void>;
  /** Starts playing an audio file. `tag` comes back on the provider's playback events. */
  playAudio(providerCallId: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void>;
  /** Stops the file that is playing, if any. */
  stopAudio(providerCallId: string): Promise<void>;
  /**
   * The provider's own view of a call, for reconciling what its events did not tell us;
   * null when the provider does not know the call.
   */
  getCallStatus(providerCallId: string): Promise<ProviderCallStatus | null>;
  /**
   * Finds a call we placed by the tag we gave it, when the create request's outcome is unknown;
   * null when the provider's records show no such call. Rejects when they cannot tell (records
   * that carry no tag, a lookup that failed): the call may exist.
   */
  findCallByTag(tag: string, call: DialledCall): Promise<ProviderCallStatus | null>;
  /** Seconds the provider lets a call ring when the create names no timeout. */
  readonly defaultCallTimeoutSeconds: number;
  /**
   * Whether the provider tells when a file starts playing. When it does not, a file counts as
   * started once it is handed over (its `playAudio` resolved).
   */
  readonly reportsPlaybackStart: boolean;
}

/** What we know of a call whose create request's outcome is unknown. */
export interface DialledCall {
  from: string;
  to: string;
  /** When its first create request whose outcome is unknown was sent: the provider's record is no older. */
  since: Date;
}

export interface ProviderCallStatus {
  providerCallId: string;
  state: 'ringing' | 'active' | 'ended';
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Why the call ended, when the provider's records say (`NORMAL_CLEARING`, `USER_BUSY`, …). */
  hangupCause: string | null;
  /** What the provider returned, kept in the log of a reconciled event. */
  raw: Record<string, unknown>;
}

export interface CreateProviderCall {
  from: string;
  to: string;
  /** Seconds to wait for an answer. */
  callTimeoutSeconds?: number;
  /** Absolute URL the provider sends this call's events to (may carry basic-auth credentials). */
  callbackUrl: string;
  /** Echoed on the call's events; we send our own call id so early events find their call. */
  tag: string;
}

/**
 * A failure reported by (or on the way to) the telephony provider.
 *
 * `code` is the provider's machine-readable error code (for Bandwidth: `call-rate-limit`,
 * `call-audio-invalid-state`, …) or `network-error` / `timeout` when no answer came back.
 */
export class ProviderError extends Error {
  override readonly name: string = 'ProviderError';
  constructor(
    message: string,
    readonly code: string,
    /** HTTP status of the provider's answer; undefined when none arrived. */
    readonly status?: number,
    readonly category?: string,
    /**
     * True when the request may have taken effect although it failed: no answer came back after it
     * was sent (a timeout, a reset connection), or the provider failed with a 5xx part-way. The
     * caller must then find out what happened instead of sending it again blindly.
     */
    readonly mayHaveTakenEffect = false,
  ) {
    super(message);
  }
}
