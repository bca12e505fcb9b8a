import { baseUrl, ConfigError, integer, type Env } from './env.js';
import { DEFAULT_OAUTH_TOKEN_URL, DEFAULT_V1_API_URL, DEFAULT_V2_VOICE_API_URL } from './bandwidth/bandwidth-defaults.js';

/** Which of Bandwidth's voice APIs the service speaks: v1 ("Catapult", legacy) or v2 (BXML). */
export type BandwidthApiVersion = 'v1' | 'v2';

export interface RealBandwidthV1 {
  mode: 'real';
  apiVersion: 'v1';
  apiUrl: string;
  userId: string;
  apiToken: string;
  apiSecret: string;
}

/** How the service proves itself to Bandwidth's v2 API. */
export type BandwidthV2Credentials =
  /** OAuth 2.0 client credentials, which Bandwidth recommends: bearer tokens, refreshed before they expire. */
  | { kind: 'oauth'; clientId: string; clientSecret: string }
  /** HTTP Basic with an API user, which Bandwidth still accepts. */
  | { kind: 'basic'; username: string; password: string };

export interface RealBandwidthV2 {
  mode: 'real';
  apiVersion: 'v2';
  /** Origin of the voice API; the client adds `/api/v2/accounts/{accountId}`. */
  voiceApiUrl: string;
  /** Where OAuth tokens are fetched from. */
  oauthUrl: string;
  accountId: string;
  /** The Voice application whose callback settings receive inbound calls. */
  applicationId: string;
  credentials: BandwidthV2Credentials;
}

export type RealBandwidth = RealBandwidthV1 | RealBandwidthV2;

export interface SimulatedBandwidth {
  mode: 'simulator';
  /** Which of the simulator's APIs the service talks to. */
  apiVersion: BandwidthApiVersion;
  /** Port of the built-in simulator (its control API is how you inject an incoming call). */
  port: number;
  answerDelayMs: number;
  playbackDurationMs: number;
}

const V1_CREDENTIALS = ['BANDWIDTH_USER_ID', 'BANDWIDTH_API_TOKEN', 'BANDWIDTH_API_SECRET'] as const;
const V2_SETTINGS = [
  'BANDWIDTH_ACCOUNT_ID',
  'BANDWIDTH_APPLICATION_ID',
  'BANDWIDTH_CLIENT_ID',
  'BANDWIDTH_CLIENT_SECRET',
  'BANDWIDTH_USERNAME',
  'BANDWIDTH_PASSWORD',
] as const;

/**
 * Which Bandwidth to talk to, and how. `BANDWIDTH_API_VERSION` decides when set; otherwise an
 * account id means v2 and a user id v1. With neither, the built-in simulator runs (v1, or v2 when
 * asked for).
 */
export function bandwidthConfig(env: Env): RealBandwidth | SimulatedBandwidth {
  const version = apiVersion(env);
  const v1Set = V1_CREDENTIALS.filter((name) => isSet(env, name));
  const v2Set = V2_SETTINGS.filter((name) => isSet(env, name));
  if (version === 'v1' && v2Set.length > 0) {
    throw new ConfigError(`${v2Set.join(', ')} belong to Bandwidth's v2 API: unset them, or set BANDWIDTH_API_VERSION=v2`);
  }
  if (version === 'v2' && v1Set.length > 0) {
    throw new ConfigError(`${v1Set.join(', ')} belong to Bandwidth's v1 API: unset them, or set BANDWIDTH_API_VERSION=v1`);
  }
  if (version === undefined && v1Set.length > 0 && v2Set.length > 0) {
    throw new ConfigError('Both v1 (BANDWIDTH_USER_ID, …) and v2 (BANDWIDTH_ACCOUNT_ID, …) settings are set: set BANDWIDTH_API_VERSION to v1 or v2');
  }
  const chosen = version ?? (v2Set.length > 0 ? 'v2' : 'v1');
  if (chosen === 'v2') return v2Set.length > 0 ? realV2(env) : simulated(env, 'v2');
  return v1Set.length > 0 ? realV1(env, v1Set) : simulated(env, 'v1');
}

function apiVersion(env: Env): BandwidthApiVersion | undefined {
  const raw = env.BANDWIDTH_API_VERSION?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw !== 'v1' && raw !== 'v2') throw new ConfigError('BANDWIDTH_API_VERSION must be v1 or v2');
  return raw;
}

function simulated(env: Env, version: BandwidthApiVersion): SimulatedBandwidth {
  return {
    mode: 'simulator',
    apiVersion: version,
    port: integer(env, 'SIMULATOR_PORT', 4010, 0, 65535),
    answerDelayMs: integer(env, 'SIMULATOR_ANSWER_DELAY_MS', 1000, 0, 600_000),
    playbackDurationMs: integer(env, 'SIMULATOR_PLAYBACK_MS', 3000, 0, 3_600_000),
  };
}

function realV1(env: Env, set: readonly string[]): RealBandwidthV1 {
  const missing = V1_CREDENTIALS.filter((name) => !set.includes(name));
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(', ')} must be set too: give all three Bandwidth credentials, or none to use the simulator`);
  }
  return {
    mode: 'real',
    apiVersion: 'v1',
    apiUrl: baseUrl(env, 'BANDWIDTH_API_URL') ?? DEFAULT_V1_API_URL,
    userId: env.BANDWIDTH_USER_ID!.trim(),
    apiToken: env.BANDWIDTH_API_TOKEN!.trim(),
    apiSecret: env.BANDWIDTH_API_SECRET!.trim(),
  };
}

function realV2(env: Env): RealBandwidthV2 {
  const missing = (['BANDWIDTH_ACCOUNT_ID', 'BANDWIDTH_APPLICATION_ID'] as const).filter((name) => !isSet(env, name));
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(', ')} must be set for Bandwidth's v2 API (or unset every BANDWIDTH_ variable to use the simulator)`);
  }
  return {
    mode: 'real',
    apiVersion: 'v2',
    voiceApiUrl: baseUrl(env, 'BANDWIDTH_VOICE_API_URL') ?? DEFAULT_V2_VOICE_API_URL,
    oauthUrl: baseUrl(env, 'BANDWIDTH_OAUTH_URL') ?? DEFAULT_OAUTH_TOKEN_URL,
    accountId: env.BANDWIDTH_ACCOUNT_ID!.trim(),
    applicationId: env.BANDWIDTH_APPLICATION_ID!.trim(),
    credentials: v2Credentials(env),
  };
}

function v2Credentials(env: Env): BandwidthV2Credentials {
  const oauth = pair(env, 'BANDWIDTH_CLIENT_ID', 'BANDWIDTH_CLIENT_SECRET');
  const basic = pair(env, 'BANDWIDTH_USERNAME', 'BANDWIDTH_PASSWORD');
  if (oauth && basic) {
    throw new ConfigError('Set BANDWIDTH_CLIENT_ID + BANDWIDTH_CLIENT_SECRET (OAuth) or BANDWIDTH_USERNAME + BANDWIDTH_PASSWORD (API user), not both');
  }
  if (oauth) return { kind: 'oauth', clientId: oauth[0], clientSecret: oauth[1] };
  if (basic) return { kind: 'basic', username: basic[0], password: basic[1] };
  throw new ConfigError(
    "BANDWIDTH_CLIENT_ID and BANDWIDTH_CLIENT_SECRET (OAuth, recommended) or BANDWIDTH_USERNAME and BANDWIDTH_PASSWORD must be set for Bandwidth's v2 API",
  );
}

/** Both variables of a credential pair, or neither; one without the other is refused. */
function pair(env: Env, first: string, second: string): [string, string] | undefined {
  const a = env[first]?.trim();
  const b = env[second]?.trim();
  if (a && b) return [a, b];
  if (a || b) throw new ConfigError(`${first} and ${second} must be set together`);
  return undefined;
}

function isSet(env: Env, name: string): boolean {
  return Boolean(env[name]?.trim());
}
