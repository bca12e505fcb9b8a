import { ConfigError, decimal, httpUrl, integer, text, type Env } from '../src/env.js';
import { MAX_BXML_TIME_SCALE, MAX_DELAY_MS } from './core/settings.js';
import type { SimulatorOptions } from './options.js';
import { V2_DEFAULTS } from './v2/options.js';

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
    bxmlTimeScale: decimal(env, 'SIMULATOR_BXML_TIME_SCALE', 1, 0, MAX_BXML_TIME_SCALE),
    v2: {
      accountId: text(env, 'SIMULATOR_V2_ACCOUNT_ID', V2_DEFAULTS.accountId),
      applicationIds: list(env, 'SIMULATOR_V2_APPLICATION_IDS', [V2_DEFAULTS.applicationId]),
      apiUser: {
        username: text(env, 'SIMULATOR_V2_API_USER', V2_DEFAULTS.apiUser.username),
        password: text(env, 'SIMULATOR_V2_API_PASSWORD', V2_DEFAULTS.apiUser.password),
      },
      oauthClient: {
        clientId: text(env, 'SIMULATOR_V2_CLIENT_ID', V2_DEFAULTS.oauthClient.clientId),
        clientSecret: text(env, 'SIMULATOR_V2_CLIENT_SECRET', V2_DEFAULTS.oauthClient.clientSecret),
      },
      // Callback URLs: they may carry the receiver's `user:pass@` (the application's callback credentials).
      initiateUrl: httpUrl(env, 'SIMULATOR_V2_INITIATE_URL', { credentials: 'allowed' }),
      statusUrl: httpUrl(env, 'SIMULATOR_V2_STATUS_URL', { credentials: 'allowed' }),
    },
  };
}

/** A comma-separated list of non-empty items; `fallback` when unset. */
function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ConfigError(`${name} must be a comma-separated list without empty items`);
  return items;
}
