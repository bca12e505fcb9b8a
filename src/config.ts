import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/** Settings the service runs with, read once from the environment and validated at start-up. */
export interface Config {
  host: string;
  port: number;
  /** Base URL Bandwidth reaches us at; undefined means `http://localhost:<listening port>`. */
  publicUrl?: string;
  bandwidth: RealBandwidth | SimulatedBandwidth;
  webhook: { username: string; password: string };
  /** Bearer tokens accepted from GraphQL clients; empty means the API is open (simulator mode only). */
  apiTokens: string[];
  database: { kind: 'sqlite'; filename: string };
  logLevel: string;
  production: boolean;
}

export interface RealBandwidth {
  mode: 'real';
  apiUrl: string;
  userId: string;
  apiToken: string;
  apiSecret: string;
}

export interface SimulatedBandwidth {
  mode: 'simulator';
  /** Port of the built-in simulator (its control API is how you inject an incoming call). */
  port: number;
  answerDelayMs: number;
  playbackDurationMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration. Every problem names the variable at fault and never echoes a value,
 * since several of them are secrets.
 */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const bandwidth = bandwidthConfig(env);
  const webhook = webhookCredentials(env, bandwidth.mode);
  const apiTokens = list(env.API_TOKENS);
  if (bandwidth.mode === 'real' && apiTokens.length === 0) {
    throw new ConfigError(
      'API_TOKENS must be set when real Bandwidth credentials are configured: without it anyone could place calls on your account',
    );
  }
  for (const token of apiTokens) {
    if (token.length < 16) throw new ConfigError('API_TOKENS entries must be at least 16 characters long');
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    host: env.HOST?.trim() || '0.0.0.0',
    port,
    publicUrl: optionalUrl(env, 'PUBLIC_URL'),
    bandwidth,
    webhook,
    apiTokens,
    database: databaseConfig(env.DATABASE_URL),
    logLevel,
    production: env.NODE_ENV === 'production',
  };
}

function bandwidthConfig(env: Env): RealBandwidth | SimulatedBandwidth {
  const names = ['BANDWIDTH_USER_ID', 'BANDWIDTH_API_TOKEN', 'BANDWIDTH_API_SECRET'] as const;
  const set = names.filter((name) => env[name]?.trim());
  if (set.length === 0) {
    return {
      mode: 'simulator',
      port: integer(env, 'SIMULATOR_PORT', 4010, 0, 65535),
      answerDelayMs: integer(env, 'SIMULATOR_ANSWER_DELAY_MS', 1000, 0, 600_000),
      playbackDurationMs: integer(env, 'SIMULATOR_PLAYBACK_MS', 3000, 0, 3_600_000),
    };
  }
  const missing = names.filter((name) => !set.includes(name));
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(', ')} must be set too: give all three Bandwidth credentials, or none to use the simulator`);
  }
  return {
    mode: 'real',
    apiUrl: optionalUrl(env, 'BANDWIDTH_API_URL') ?? 'https://api.catapult.inetwork.com',
    userId: env.BANDWIDTH_USER_ID!.trim(),
    apiToken: env.BANDWIDTH_API_TOKEN!.trim(),
    apiSecret: env.BANDWIDTH_API_SECRET!.trim(),
  };
}

function webhookCredentials(env: Env, mode: 'real' | 'simulator'): { username: string; password: string } {
  const username = env.WEBHOOK_USERNAME?.trim();
  const password = env.WEBHOOK_PASSWORD?.trim();
  if (username && password) {
    if (username.includes(':')) throw new ConfigError('WEBHOOK_USERNAME must not contain ":"');
    return { username, password };
  }
  if (username || password) throw new ConfigError('WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set together');
  if (mode === 'real') {
    throw new ConfigError('WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set with real Bandwidth credentials, so only Bandwidth can post events');
  }
  // The simulator is the only sender: fresh random credentials keep the route closed to anyone else.
  return { username: 'bandwidth', password: randomBytes(18).toString('base64url') };
}

function databaseConfig(url: string | undefined): Config['database'] {
  const value = url?.trim();
  if (!value) return { kind: 'sqlite', filename: resolve('data', 'calls.sqlite') };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    throw new ConfigError('DATABASE_URL: PostgreSQL is not supported yet; use a SQLite file (sqlite:path/to/file.sqlite)');
  }
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(value);
  const filename = match ? match[1]! : value;
  if (filename === ':memory:') return { kind: 'sqlite', filename };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filename)) {
    throw new ConfigError('DATABASE_URL must be a SQLite file path (sqlite:path/to/file.sqlite)');
  }
  return { kind: 'sqlite', filename: resolve(filename) };
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function optionalUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!URL.canParse(raw)) throw new ConfigError(`${name} must be an absolute http(s) URL`);
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an absolute http(s) URL`);
  if (url.username || url.password) throw new ConfigError(`${name} must not contain credentials`);
  return raw.replace(/\/+$/, '');
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
