import { isAbsoluteHttpUrl } from './core/callback-url.js';
import { MAX_DELAY_MS } from './core/settings.js';
import type { SimulatorOptions } from './options.js';

/** A bad environment variable; the message names it (and never repeats a secret's value). */
export class EnvConfigError extends Error {
  override readonly name: string = 'EnvConfigError';
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name] ?? fallback;
  if (value.trim() === '') throw new EnvConfigError(`${name} must not be empty`);
  return value;
}

function integer(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new EnvConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // The URL may carry credentials, so the message does not repeat it.
  if (!isAbsoluteHttpUrl(raw)) throw new EnvConfigError(`${name} must be an absolute http(s) URL`);
  return raw;
}

/** Simulator options from the environment, for running it on its own (`npm run simulator`). */
export function simulatorOptionsFromEnv(env: Env): SimulatorOptions & { port: number; host: string } {
  return {
    port: integer(env, 'SIMULATOR_PORT', 0, 65_535) ?? 4010,
    host: text(env, 'SIMULATOR_HOST', '127.0.0.1'),
    userId: text(env, 'BANDWIDTH_USER_ID', 'u-simulator'),
    apiToken: text(env, 'BANDWIDTH_API_TOKEN', 'simulator-token'),
    apiSecret: text(env, 'BANDWIDTH_API_SECRET', 'simulator-secret'),
    incomingCallUrl: url(env, 'SIMULATOR_INCOMING_CALL_URL'),
    answerDelayMs: integer(env, 'SIMULATOR_ANSWER_DELAY_MS', 0, MAX_DELAY_MS),
    playbackDurationMs: integer(env, 'SIMULATOR_PLAYBACK_MS', 0, MAX_DELAY_MS),
    remoteHangupDelayMs: integer(env, 'SIMULATOR_REMOTE_HANGUP_MS', 0, MAX_DELAY_MS),
  };
}
