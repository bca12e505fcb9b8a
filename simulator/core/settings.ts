/** What a new audio file does while another one is still playing; v1 never documented it. */
export type AudioOverlap = 'replace' | 'queue';

/** At most `calls` successful creates within any `perMs` window (v1's outbound call rate limit). */
export interface CallRateLimit {
  calls: number;
  perMs: number;
}

/** The far-end behaviour that can be changed while the simulator runs (`PATCH /control/settings`). */
export interface SimulatorSettings {
  answerDelayMs: number;
  playbackDurationMs: number;
  remoteHangupDelayMs: number;
  audioOverlap: AudioOverlap;
  /** May contain `user:pass@`; never shown with them. */
  incomingCallUrl?: string;
  /**
   * `null`: unlimited. Real v1 allows 1 call per second per account by default, but a simulator
   * that refused quick successive creates would slow every test down; tests turn it on to prove the
   * service copes with `403 call-rate-limit`.
   */
  callRateLimit: CallRateLimit | null;
  /**
   * Multiplies the durations v2 BXML asks for (`<Pause>`, `<Ring>`, `<SpeakSentence>`): 1 plays
   * them in real seconds, as Bandwidth does; a test makes a `<Pause duration="60">` last 60 ms
   * with 0.001 instead of waiting a minute. File playback keeps `playbackDurationMs`.
   */
  bxmlTimeScale: number;
  /** How long a v2 OAuth access token is valid, in seconds; tests make tokens expire quickly. */
  oauthTokenTtlSeconds: number;
  /**
   * How long after it starts a call shows in `GET …/calls` and `GET …/calls/{id}` (404 until
   * then). Bandwidth documents its v2 call records as near-realtime, "it may take a few minutes":
   * a test proves the service never takes a call missing from them as never placed.
   */
  callRecordsDelayMs: number;
}

/** Whether the call's record shows yet in what the API lists and reads (see `callRecordsDelayMs`). */
export function inCallRecords(call: { startTime: Date }, settings: SimulatorSettings): boolean {
  return Date.now() - call.startTime.getTime() >= settings.callRecordsDelayMs;
}

export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = Object.freeze({
  answerDelayMs: 1000,
  playbackDurationMs: 3000,
  remoteHangupDelayMs: 2000,
  audioOverlap: 'replace',
  callRateLimit: null,
  bxmlTimeScale: 1,
  // Bandwidth's own tokens last an hour.
  oauthTokenTtlSeconds: 3600,
  callRecordsDelayMs: 0,
});

/** Largest `bxmlTimeScale`: slowing BXML down more than this only makes tests hang. */
export const MAX_BXML_TIME_SCALE = 1000;

/**
 * Longest delay the simulator accepts: Node timers overflow above 2^31-1 ms and would fire at once,
 * which would silently turn a "never" into a "now".
 */
export const MAX_DELAY_MS = 2_147_483_647;
