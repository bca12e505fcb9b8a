import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { bandwidthConfig, type RealBandwidth, type SimulatedBandwidth } from './bandwidth-config.js';
import { baseUrl, boolean, ConfigError, decimal, integer, type Env } from './env.js';
import { DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits } from './http/graphql/subscription-quota.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http/http-limits.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './http/graphql/connection-quota.js';
import { DEFAULT_WEBSOCKET_LIMITS, type WebSocketLimits } from './http/graphql/websocket-limits.js';
import { DEFAULT_BANDWIDTH_TIMEOUT_MS } from './bandwidth/bandwidth-defaults.js';
import { LOG_FORMATS, type LogFormat } from './logger.js';
import { SCHEMA_NAME } from './store/schema-name.js';

export { ConfigError } from './env.js';
export type { BandwidthApiVersion, BandwidthV2Credentials, RealBandwidth, RealBandwidthV1, RealBandwidthV2, SimulatedBandwidth } from './bandwidth-config.js';

/** Settings the service runs with, read once from the environment and validated at start-up. */
export interface Config {
  host: string;
  port: number;
  /** Base URL Bandwidth reaches us at; undefined means `http://localhost:<listening port>`. */
  publicUrl?: string;
  /** A second public way in (another load balancer), handed to Bandwidth as every fallback URL it takes. */
  publicFallbackUrl?: string;
  bandwidth: RealBandwidth | SimulatedBandwidth;
  webhook: { username: string; password: string };
  /** Bearer tokens accepted from GraphQL clients, each with its scope; empty means the API is open (simulator mode only). */
  apiTokens: ApiToken[];
  /** Whether GraphQL introspection is answered; off by default in production so the schema is not handed to strangers. */
  graphqlIntrospection: boolean;
  /** Whether a browser opening `GET /graphql` gets the GraphQL explorer (GraphiQL); off by default in production. */
  graphqlExplorer: boolean;
  /** Whether the call console (the browser app at `/console/`) is served; off by default in production. */
  callConsole: boolean;
  /** Mutations per minute per API token (per remote address when the API is open); 0 turns the limit off. */
  mutationRateLimit: number;
  /** Subscriptions open at once per WebSocket, per API token, and on the instance. */
  subscriptionLimits: SubscriptionLimits;
  /** Timeouts and the connection cap of the HTTP server, and the WebSocket ping interval. */
  httpLimits: HttpLimits;
  /** WebSockets open at once per remote address and per API token. */
  connectionLimits: ConnectionLimits;
  /** The WebSocket keep-alive, and how much unsent data one socket may hold. */
  webSocketLimits: WebSocketLimits;
  /**
   * Which proxies' `X-Forwarded-For` is believed for the client's address (rate limits, connection
   * limits, logs): none, every one (`true`), or those at these addresses and CIDR ranges.
   */
  trustProxy: boolean | string[];
  database: { kind: 'sqlite'; filename: string; synchronous: SqliteSynchronous } | { kind: 'postgres'; url: string; schema: string; poolSize: number };
  /** Redis for change notifications across instances; undefined runs on the in-process bus. */
  redis?: { url: string; prefix: string };
  /** Names this instance in outbox leases; stable across restarts. */
  instanceId: string;
  /** How long an instance holds an outbox entry it is sending before another may take over. */
  outboxLeaseMs: number;
  /** Outbox entries a sweep claims per query: fewer means smaller reads, more means fewer round trips. */
  outboxSweepPage: number;
  unconfirmedDialMarginMs: number;
  calls: {
    /** Outbound calls placed per second at most; more wait in a queue (state QUEUED). */
    perSecond: number;
    /** Silence after which a call that has not ended is checked against Bandwidth's records. */
    reconcileAfterMs: number;
  };
  /** How long a graceful shutdown may wait for in-flight work before closing anyway. */
  shutdownTimeoutMs: number;
  /** Per-attempt timeout of a request to Bandwidth. */
  bandwidthTimeoutMs: number;
  logLevel: string;
  /** JSON lines, readable lines, or readable exactly when stdout is a terminal. */
  logFormat: LogFormat;
  production: boolean;
}

/**
 * What an API token may do: `all` reads and changes every call, `read` only queries and subscribes,
 * for dashboards and other clients that must never place or end a call.
 */
export type TokenScope = 'all' | 'read';

export interface ApiToken {
  token: string;
  scope: TokenScope;
}

const TOKEN_SCOPES: readonly string[] = ['all', 'read'] satisfies TokenScope[];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration. Every problem names the variable at fault and never echoes a value,
 * since several of them are secrets.
 */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const bandwidth = bandwidthConfig(env);
  const webhook = webhookCredentials(env, bandwidth.mode);
  const apiTokens = apiTokenList(env.API_TOKENS);
  if (bandwidth.mode === 'real' && apiTokens.length === 0) {
    throw new ConfigError(
      'API_TOKENS must be set when real Bandwidth credentials are configured: without it anyone could place calls on your account',
    );
  }
  const publicUrl = baseUrl(env, 'PUBLIC_URL');
  if (bandwidth.mode === 'real' && bandwidth.apiVersion === 'v2' && publicUrl !== undefined && !secureOrLocal(publicUrl)) {
    // Bandwidth sends callback credentials only to https URLs, and the webhook refuses requests without them.
    throw new ConfigError("PUBLIC_URL must be the service's https:// address for Bandwidth's v2 API: it calls back there with the webhook credentials");
  }
  const publicFallbackUrl = baseUrl(env, 'PUBLIC_FALLBACK_URL');
  if (bandwidth.mode === 'real' && bandwidth.apiVersion === 'v2' && publicFallbackUrl !== undefined && !secureOrLocal(publicFallbackUrl)) {
    throw new ConfigError('PUBLIC_FALLBACK_URL must be an https:// address for Bandwidth\'s v2 API: it calls back there with the webhook credentials');
  }
  if (publicFallbackUrl !== undefined && publicFallbackUrl === publicUrl) {
    throw new ConfigError('PUBLIC_FALLBACK_URL must be a second way in to the service, not PUBLIC_URL itself');
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const httpLimits: HttpLimits = {
    headersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.requestTimeoutMs, 100, 600_000),
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs, 100, 3_600_000),
    maxConnections: integer(env, 'HTTP_MAX_CONNECTIONS', DEFAULT_HTTP_LIMITS.maxConnections, 1, 1_000_000),
  };
  if (httpLimits.headersTimeoutMs > httpLimits.requestTimeoutMs) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS: the headers are part of the request');
  }
  const logFormat = (env.LOG_FORMAT?.trim() || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);

  return {
    host: env.HOST?.trim() || '0.0.0.0',
    port,
    publicUrl,
    publicFallbackUrl,
    bandwidth,
    webhook,
    apiTokens,
    graphqlIntrospection: boolean(env, 'GRAPHQL_INTROSPECTION', env.NODE_ENV !== 'production'),
    graphqlExplorer: boolean(env, 'GRAPHQL_EXPLORER', env.NODE_ENV !== 'production'),
    callConsole: boolean(env, 'CALL_CONSOLE', env.NODE_ENV !== 'production'),
    mutationRateLimit: integer(env, 'MUTATION_RATE_LIMIT', 600, 0, 1_000_000),
    subscriptionLimits: {
      perConnection: integer(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', DEFAULT_SUBSCRIPTION_LIMITS.perConnection, 1, 1_000_000),
      perToken: integer(env, 'MAX_SUBSCRIPTIONS_PER_TOKEN', DEFAULT_SUBSCRIPTION_LIMITS.perToken, 1, 1_000_000),
      perInstance: integer(env, 'MAX_SUBSCRIPTIONS', DEFAULT_SUBSCRIPTION_LIMITS.perInstance, 1, 1_000_000),
    },
    httpLimits,
    connectionLimits: {
      perAddress: integer(env, 'MAX_WS_CONNECTIONS_PER_ADDRESS', DEFAULT_CONNECTION_LIMITS.perAddress, 1, 1_000_000),
      perToken: integer(env, 'MAX_WS_CONNECTIONS_PER_TOKEN', DEFAULT_CONNECTION_LIMITS.perToken, 1, 1_000_000),
    },
    trustProxy: trustProxyConfig(env),
    webSocketLimits: {
      pingIntervalMs: integer(env, 'WS_PING_INTERVAL_MS', DEFAULT_WEBSOCKET_LIMITS.pingIntervalMs, 100, 600_000),
      maxBufferedBytes: integer(env, 'WS_MAX_BUFFERED_BYTES', DEFAULT_WEBSOCKET_LIMITS.maxBufferedBytes, 1024, 1024 * 1024 * 1024),
    },
    database: databaseConfig(env),
    redis: redisConfig(env),
    instanceId: env.INSTANCE_ID?.trim() || `${hostname()}:${port}`,
    outboxLeaseMs: integer(env, 'OUTBOX_LEASE_MS', 30_000, 500, 3_600_000),
    outboxSweepPage: integer(env, 'OUTBOX_SWEEP_PAGE', 500, 1, 10_000),
    unconfirmedDialMarginMs: integer(env, 'UNCONFIRMED_DIAL_MARGIN_MS', 60_000, 0, 3_600_000),
    calls: {
      perSecond: decimal(env, 'OUTBOUND_CALLS_PER_SECOND', 1, 0.01, 1000),
      reconcileAfterMs: integer(env, 'RECONCILE_AFTER_MS', 300_000, 1000, 86_400_000),
    },
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    bandwidthTimeoutMs: integer(env, 'BANDWIDTH_TIMEOUT_MS', DEFAULT_BANDWIDTH_TIMEOUT_MS, 100, 120_000),
    logLevel,
    logFormat,
    production: env.NODE_ENV === 'production',
  };
}

/** https, or a loopback address (a simulator or test on this machine, where nothing crosses a network). */
function secureOrLocal(url: string): boolean {
  const { protocol, hostname: host } = new URL(url);
  return protocol === 'https:' || host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
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

/**
 * When SQLite makes a commit durable. `normal` (WAL's usual setting): a committed transaction
 * survives a crash of the process, but a power loss or OS crash may take the last few commits
 * with it. `full`: an fsync per commit, so they survive that too, at a cost per commit.
 */
export type SqliteSynchronous = 'normal' | 'full';

/**
 * `TRUST_PROXY`: unset or `false` believes no `X-Forwarded-For` (the peer's address is the
 * client's); `true` believes any (only when nothing can reach the service but through its proxies);
 * otherwise a comma-separated list of proxy addresses and CIDR ranges (e.g. `10.0.0.0/8,127.0.0.1`).
 */
function trustProxyConfig(env: Env): boolean | string[] {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const ip = isIP(address ?? '');
    const maxBits = ip === 6 ? 128 : 32;
    if (!ip || rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new ConfigError('TRUST_PROXY must be true, false, or comma-separated IP addresses and CIDR ranges');
    }
  }
  return entries;
}

/** Just the database settings (`npm run migrate` needs nothing else). */
export function databaseConfig(env: Env = process.env): Config['database'] {
  const value = env.DATABASE_URL?.trim();
  const synchronous = (env.SQLITE_SYNCHRONOUS?.trim().toLowerCase() || 'normal') as SqliteSynchronous;
  if (synchronous !== 'normal' && synchronous !== 'full') throw new ConfigError('SQLITE_SYNCHRONOUS must be normal or full');
  if (!value) return { kind: 'sqlite', filename: resolve('data', 'calls.sqlite'), synchronous };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    if (!URL.canParse(value)) throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    const schema = env.DATABASE_SCHEMA?.trim() || 'public';
    if (!SCHEMA_NAME.test(schema)) throw new ConfigError('DATABASE_SCHEMA must be a lower-case SQL identifier');
    return { kind: 'postgres', url: value, schema, poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200) };
  }
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(value);
  const filename = match ? match[1]! : value;
  if (filename === ':memory:') return { kind: 'sqlite', filename, synchronous };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filename)) {
    throw new ConfigError('DATABASE_URL must be a SQLite file path (sqlite:path/to/file.sqlite) or a postgres:// URL');
  }
  return { kind: 'sqlite', filename: resolve(filename), synchronous };
}

function redisConfig(env: Env): Config['redis'] {
  const url = env.REDIS_URL?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\//i.test(url) || !URL.canParse(url)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  const prefix = env.REDIS_PREFIX?.trim() || 'calls';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) throw new ConfigError('REDIS_PREFIX may hold letters, digits and _ . : - only');
  return { url, prefix };
}

/**
 * `API_TOKENS`: comma-separated `token`, `token:all` or `token:read`. Messages say which entry is
 * wrong by its position only: the entry is a secret, and so may be whatever follows its colon.
 */
function apiTokenList(raw: string | undefined): ApiToken[] {
  if (!raw?.trim()) return [];
  const seen = new Set<string>();
  return raw.split(',').map((entry, index) => {
    const trimmed = entry.trim();
    const position = `API_TOKENS entry ${index + 1}`;
    if (trimmed === '') throw new ConfigError(`${position} is empty: separate tokens with single commas`);
    const colon = trimmed.lastIndexOf(':');
    const token = colon >= 0 ? trimmed.slice(0, colon).trim() : trimmed;
    const scope = colon >= 0 ? trimmed.slice(colon + 1).trim() : 'all';
    if (!TOKEN_SCOPES.includes(scope)) {
      throw new ConfigError(`${position} has an unknown scope: use token, token:all or token:read`);
    }
    if (token.length < 16) {
      throw new ConfigError(`API_TOKENS entries must be at least 16 characters long (entry ${index + 1} is shorter)`);
    }
    if (seen.has(token)) throw new ConfigError(`${position} repeats an earlier token: give each token one scope`);
    seen.add(token);
    return { token, scope: scope as TokenScope };
  });
}
