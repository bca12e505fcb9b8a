import type { Logger } from 'pino';
import { isAbsoluteHttpUrl } from './core/callback-url.js';
import { DEFAULT_SETTINGS, MAX_BXML_TIME_SCALE, MAX_DELAY_MS, type AudioOverlap, type SimulatorSettings } from './core/settings.js';
import type { V2SimulatorOptions } from './v2/options.js';

export interface SimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one, so parallel test files never collide. */
  port?: number;
  /** Interface to listen on; loopback by default because the control API has no authentication. */
  host?: string;
  /** The only user whose resources exist; other user ids in paths get `403 user-access-denied`. */
  userId: string;
  /** Basic-auth user name every `/v1` request must carry, as with the real API. */
  apiToken: string;
  /** Basic-auth password every `/v1` request must carry; never logged. */
  apiSecret: string;
  /**
   * Where injected incoming calls are announced when `POST /control/incoming` names no URL, like an
   * application's `incomingCallUrl`. May contain `user:pass@`.
   */
  incomingCallUrl?: string;
  /** How long (ms) the far end rings before picking up; default 1000, so tests see a `started` state. */
  answerDelayMs?: number;
  /** How long (ms) a file or sentence "plays" unless its URL says `durationMs`; default 3000. */
  playbackDurationMs?: number;
  /** For the hang-up-after-answer convention: how long (ms) the far end stays on; default 2000. */
  remoteHangupDelayMs?: number;
  /** What a new file does while one plays, which v1 never documented; default `replace`. */
  audioOverlap?: AudioOverlap;
  /**
   * Multiplies the durations v2 BXML asks for (`<Pause>`, `<Ring>`, `<SpeakSentence>`); default 1,
   * real seconds as on Bandwidth. Tests shrink them (0.01: a 10 s pause lasts 100 ms).
   */
  bxmlTimeScale?: number;
  /** The v2 API's account, applications and credentials; defaults in `V2_DEFAULTS`. */
  v2?: V2SimulatorOptions;
  /** Receives debug logs of every request and callback (never credentials); default silent. */
  logger?: Logger | false;
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`Simulator option ${name} must be a non-empty string`);
}

function requireDelay(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
    throw new TypeError(`Simulator option ${name} must be an integer number of milliseconds between 0 and ${MAX_DELAY_MS}`);
  }
}

/** Fails fast on options that would otherwise surface as confusing behaviour in the middle of a test. */
export function checkOptions(options: SimulatorOptions): void {
  requireText('userId', options.userId);
  requireText('apiToken', options.apiToken);
  requireText('apiSecret', options.apiSecret);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError('Simulator option port must be an integer between 0 and 65535');
  if (options.incomingCallUrl !== undefined && !isAbsoluteHttpUrl(options.incomingCallUrl)) {
    throw new TypeError('Simulator option incomingCallUrl must be an absolute http(s) URL');
  }
  requireDelay('answerDelayMs', options.answerDelayMs);
  requireDelay('playbackDurationMs', options.playbackDurationMs);
  requireDelay('remoteHangupDelayMs', options.remoteHangupDelayMs);
  const scale = options.bxmlTimeScale;
  if (scale !== undefined && (typeof scale !== 'number' || !(scale >= 0 && scale <= MAX_BXML_TIME_SCALE))) {
    throw new TypeError(`Simulator option bxmlTimeScale must be a number from 0 to ${MAX_BXML_TIME_SCALE}`);
  }
  if (options.audioOverlap !== undefined && options.audioOverlap !== 'replace' && options.audioOverlap !== 'queue') {
    throw new TypeError('Simulator option audioOverlap must be replace or queue');
  }
}

/** The settings the simulator starts with: the options given, the defaults for the rest. */
export function initialSettings(options: SimulatorOptions): SimulatorSettings {
  return {
    answerDelayMs: options.answerDelayMs ?? DEFAULT_SETTINGS.answerDelayMs,
    playbackDurationMs: options.playbackDurationMs ?? DEFAULT_SETTINGS.playbackDurationMs,
    remoteHangupDelayMs: options.remoteHangupDelayMs ?? DEFAULT_SETTINGS.remoteHangupDelayMs,
    audioOverlap: options.audioOverlap ?? DEFAULT_SETTINGS.audioOverlap,
    incomingCallUrl: options.incomingCallUrl,
    callRateLimit: DEFAULT_SETTINGS.callRateLimit,
    bxmlTimeScale: options.bxmlTimeScale ?? DEFAULT_SETTINGS.bxmlTimeScale,
    oauthTokenTtlSeconds: DEFAULT_SETTINGS.oauthTokenTtlSeconds,
    callRecordsDelayMs: DEFAULT_SETTINGS.callRecordsDelayMs,
  };
}
