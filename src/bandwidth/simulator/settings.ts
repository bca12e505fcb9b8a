/** What a new audio file does while another one is still playing; v1 never documented it. */
export type AudioOverlap = 'replace' | 'queue';

/** The far-end behaviour that can be changed while the simulator runs (`PATCH /control/settings`). */
export interface SimulatorSettings {
  answerDelayMs: number;
  playbackDurationMs: number;
  remoteHangupDelayMs: number;
  audioOverlap: AudioOverlap;
  /** May contain `user:pass@`; never shown with them. */
  incomingCallUrl?: string;
}

export const DEFAULT_SETTINGS: Readonly<SimulatorSettings> = Object.freeze({
  answerDelayMs: 1000,
  playbackDurationMs: 3000,
  remoteHangupDelayMs: 2000,
  audioOverlap: 'replace',
});

/**
 * Longest delay the simulator accepts: Node timers overflow above 2^31-1 ms and would fire at once,
 * which would silently turn a "never" into a "now".
 */
export const MAX_DELAY_MS = 2_147_483_647;
