import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { installApiFaultHooks } from './core/api-fault-hooks.js';
import { ApiFaults } from './core/api-faults.js';
import { CallEngine } from './core/call-engine.js';
import { CallRateLimiter } from './core/call-rate-limiter.js';
import { CallbackFaults } from './core/callback-faults.js';
import { registerControlRoutes } from './core/control-routes.js';
import { installErrorResponses } from './core/error-responses.js';
import { registerFaultRoutes } from './core/fault-routes.js';
import { newApplicationId } from './core/ids.js';
import { installJsonBodyParser } from './core/json-body-parser.js';
import { installRequestHooks } from './core/request-hooks.js';
import { RequestLog } from './core/request-log.js';
import { installTextBodyParser } from './core/text-body-parsers.js';
import { checkOptions, initialSettings, type SimulatorOptions } from './options.js';
import { installApiAuth } from './v1/api-auth.js';
import { registerApiRoutes } from './v1/api-routes.js';
import { v1CallFormat } from './v1/call-format.js';
import { V1_API } from './v1/v1-api.js';
import { installV2Auth } from './v2/api-auth.js';
import { isV2Path, TOKEN_PATH } from './v2/api-paths.js';
import { registerV2ApiRoutes } from './v2/api-routes.js';
import { V2Applications } from './v2/applications.js';
import { v2CallFormat } from './v2/call-format.js';
import { registerV2ControlRoutes, v2IncomingCalls } from './v2/control-routes.js';
import { registerOAuthRoutes } from './v2/oauth-routes.js';
import { OAuthTokens } from './v2/oauth-tokens.js';
import { resolveV2Options } from './v2/options.js';
import { V2_API } from './v2/v2-api.js';

export type { SimulatorOptions } from './options.js';
export type { V2SimulatorOptions } from './v2/options.js';
export { V2_DEFAULTS } from './v2/options.js';

export interface BandwidthSimulator {
  /** Base URL, e.g. `http://127.0.0.1:43121`; the v1 API lives under `${url}/v1`, v2 under `${url}/api/v2`. */
  readonly url: string;
  /** The v2 account the simulator serves, as configured or defaulted. */
  readonly v2: { accountId: string; applicationIds: string[] };
  /** Stops the server, clears every timer and aborts in-flight callbacks. Safe to call twice. */
  close(): Promise<void>;
}

/** An initiate URL's `user:pass@`, which become the application's callback credentials. */
function credentialsOf(url: string | undefined): { username?: string; password?: string } {
  if (url === undefined) return {};
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return {};
  return { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/** A URL clients can reach: a wildcard listen address is reached through loopback. */
function baseUrlOf(address: AddressInfo, host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::';
  const reachableHost = wildcard ? (host === '::' ? '::1' : '127.0.0.1') : host;
  const hostPart = reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost;
  return `http://${hostPart}:${address.port}`;
}

/**
 * Starts a Bandwidth Voice API simulator: a real HTTP server with the v1 ("Catapult") API under
 * `/v1` and the v2 (BXML) API under `/api/v2` (its OAuth token endpoint at `/api/v1/oauth2/token`),
 * a scriptable far end, and a test control API under `/control`. The far end, callbacks, control
 * API and fault injection come from `core/`; what is each version's own, from `v1/` and `v2/`.
 */
export async function startSimulator(options: SimulatorOptions): Promise<BandwidthSimulator> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ? options.logger.child({ component: 'bandwidth-simulator' }) : undefined;
  const settings = initialSettings(options);
  const callbackFaults = new CallbackFaults();
  const apiFaults = new ApiFaults();
  const callRateLimiter = new CallRateLimiter();
  const format = v1CallFormat({ userId: options.userId, applicationId: newApplicationId() });
  const engine = new CallEngine({ settings, format, callbackFaults, logger });
  const v2 = resolveV2Options(options.v2);
  const v2Format = v2CallFormat({ accountId: v2.accountId, engine: () => engine, settings, logger });
  const applications = new V2Applications(v2.applicationIds, { callInitiatedCallbackUrl: v2.initiateUrl, callStatusCallbackUrl: v2.statusUrl, ...credentialsOf(v2.initiateUrl) });
  const tokens = new OAuthTokens();
  const apis = [V1_API, V2_API];
  const requestLog = new RequestLog();
  // Ends injected request delays on close, which would otherwise keep app.close() waiting.
  const lifetime = new AbortController();

  const app = Fastify({ logger: false });
  // Hooks run in the order they are added: a request is recorded, then authenticated, then faulted.
  installJsonBodyParser(app, requestLog);
  // BXML updates and the token form are v2's; v1 goes on refusing them with its 415.
  installTextBodyParser(app, 'application/xml', isV2Path);
  installTextBodyParser(app, 'application/x-www-form-urlencoded', (path) => path === TOKEN_PATH);
  installRequestHooks(app, { requestLog, apis, logger });
  installApiAuth(app, options);
  installV2Auth(app, { accountId: v2.accountId, apiUser: v2.apiUser, tokens });
  installApiFaultHooks(app, { faults: apiFaults, apis, requestLog, signal: lifetime.signal, logger });
  installErrorResponses(app, { apis, logger });
  registerApiRoutes(app, { engine, requestLog, settings, callRateLimiter });
  registerV2ApiRoutes(app, { engine, format: v2Format, accountId: v2.accountId, applications, requestLog, settings, callRateLimiter });
  registerOAuthRoutes(app, { oauthClient: v2.oauthClient, tokens, settings });
  const v2Control = { engine, format: v2Format, accountId: v2.accountId, applications, tokens };
  registerControlRoutes(app, { engine, requestLog, settings, apiFaults, callbackFaults, callRateLimiter, incomingCalls: { v2: v2IncomingCalls(v2Control) } });
  registerV2ControlRoutes(app, v2Control);
  registerFaultRoutes(app, { engine, apiFaults, callbackFaults });

  await app.listen({ port: options.port ?? 0, host });
  const url = baseUrlOf(app.server.address() as AddressInfo, host);
  engine.setBaseUrl(url);
  logger?.debug({ url }, 'simulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    v2: { accountId: v2.accountId, applicationIds: applications.ids },
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
