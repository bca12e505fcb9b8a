import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { installApiFaultHooks } from './core/api-fault-hooks.js';
import { ApiFaults } from './core/api-faults.js';
import { registerApiRoutes } from './v1/api-routes.js';
import { CallEngine } from './core/call-engine.js';
import { CallRateLimiter } from './core/call-rate-limiter.js';
import { CallbackFaults } from './core/callback-faults.js';
import { isAbsoluteHttpUrl } from './core/callback-url.js';
import { registerControlRoutes } from './core/control-routes.js';
import { installErrorResponses } from './core/error-responses.js';
import { registerFaultRoutes } from './core/fault-routes.js';
import { newApplicationId } from './core/ids.js';
import { installJsonBodyParser } from './core/json-body-parser.js';
import { installRequestHooks } from './core/request-hooks.js';
import { RequestLog } from './core/request-log.js';
import { DEFAULT_SETTINGS, MAX_DELAY_MS, type AudioOverlap, type SimulatorSettings } from './core/settings.js';

export type { AudioOverlap } from './core/settings.js';
export { RESERVED_NUMBERS } from './core/conventions.js';

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
  /** Receives debug logs of every request and callback (never credentials); default silent. */
  logger?: Logger | false;
}

export interface BandwidthSimulator {
  /** Base URL, e.g. `http://127.0.0.1:43121`; the API lives under `${url}/v1`. */
  readonly url: string;
  /** Stops the server, clears every timer and aborts in-flight callbacks. Safe to call twice. */
  close(): Promise<void>;
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
function checkOptions(options: SimulatorOptions): void {
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
  if (options.audioOverlap !== undefined && options.audioOverlap !== 'replace' && options.audioOverlap !== 'queue') {
    throw new TypeError('Simulator option audioOverlap must be replace or queue');
  }
}

function initialSettings(options: SimulatorOptions): SimulatorSettings {
  return {
    answerDelayMs: options.answerDelayMs ?? DEFAULT_SETTINGS.answerDelayMs,
    playbackDurationMs: options.playbackDurationMs ?? DEFAULT_SETTINGS.playbackDurationMs,
    remoteHangupDelayMs: options.remoteHangupDelayMs ?? DEFAULT_SETTINGS.remoteHangupDelayMs,
    audioOverlap: options.audioOverlap ?? DEFAULT_SETTINGS.audioOverlap,
    incomingCallUrl: options.incomingCallUrl,
    callRateLimit: DEFAULT_SETTINGS.callRateLimit,
  };
}

/** A URL clients can reach: a wildcard listen address is reached through loopback. */
function baseUrlOf(address: AddressInfo, host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::';
  const reachableHost = wildcard ? (host === '::' ? '::1' : '127.0.0.1') : host;
  const hostPart = reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost;
  return `http://${hostPart}:${address.port}`;
}

/**
 * Starts a Bandwidth v1 ("Catapult") Voice API simulator: a real HTTP server with the API under
 * `/v1`, a scriptable far end, and a test control API under `/control`.
 */
export async function startSimulator(options: SimulatorOptions): Promise<BandwidthSimulator> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ? options.logger.child({ component: 'bandwidth-simulator' }) : undefined;
  const settings = initialSettings(options);
  const callbackFaults = new CallbackFaults();
  const apiFaults = new ApiFaults();
  const callRateLimiter = new CallRateLimiter();
  const engine = new CallEngine({ settings, userId: options.userId, applicationId: newApplicationId(), callbackFaults, logger });
  const requestLog = new RequestLog();
  // Ends injected request delays on close, which would otherwise keep app.close() waiting.
  const lifetime = new AbortController();

  const app = Fastify({ logger: false });
  installJsonBodyParser(app, requestLog);
  installRequestHooks(app, { requestLog, credentials: options, logger });
  installApiFaultHooks(app, { faults: apiFaults, requestLog, signal: lifetime.signal, logger });
  installErrorResponses(app, logger);
  registerApiRoutes(app, { engine, requestLog, settings, callRateLimiter });
  registerControlRoutes(app, { engine, requestLog, settings, apiFaults, callbackFaults, callRateLimiter });
  registerFaultRoutes(app, { engine, apiFaults, callbackFaults });

  await app.listen({ port: options.port ?? 0, host });
  const url = baseUrlOf(app.server.address() as AddressInfo, host);
  engine.setBaseUrl(url);
  logger?.debug({ url }, 'simulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      // Delays and calls go first: ending them lets requests that wait on one finish.
      closing ??= (async () => {
        lifetime.abort();
        engine.reset();
        await app.close();
      })();
      return closing;
    },
  };
}
