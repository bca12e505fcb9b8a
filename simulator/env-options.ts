import { httpUrl, integer, text, type Env } from '../src/env.js';
import { MAX_DELAY_MS } from './core/settings.js';
import type { SimulatorOptions } from './options.js';

/**
 * Simulator options from the environment, for running it on its own (`npm run simulator`). A bad
 * value throws the service's `ConfigError`, naming the variable.
 */
export function simulatorOptionsFromEnv(env: Env): SimulatorOptions & { port: number; host: string } {
  return {
    port: integer(env, 'SIMULATOR_PORT', 4010, 0, 65_535),
    host: text(env, 'SIMULATOR_HOST', '127.0.0.1'),
    userId: text(env, 'BANDWIDTH_USER_ID', 'u-simulator'),
    apiToken: text(env, 'BANDWIDTH_API_TOKEN', 'simulator-token'),
    apiSecret: text(env, 'BANDWIDTH_API_SECRET', 'simulator-secret'),
    // A callback URL: it may carry the receiver's `user:pass@`, as the service's own does.
    incomingCallUrl: httpUrl(env, 'SIMULATOR_INCOMING_CALL_URL', { credentials: 'allowed' }),
    answerDelayMs: integer(env, 'SIMULATOR_ANSWER_DELAY_MS', undefined, 0, MAX_DELAY_MS),
    playbackDurationMs: integer(env, 'SIMULATOR_PLAYBACK_MS', undefined, 0, MAX_DELAY_MS),
    remoteHangupDelayMs: integer(env, 'SIMULATOR_REMOTE_HANGUP_MS', undefined, 0, MAX_DELAY_MS),
  };
}
