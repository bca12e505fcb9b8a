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
import { checkOptions, initialSettings, type SimulatorOptions } from './options.js';
import { installApiAuth } from './v1/api-auth.js';
import { registerApiRoutes } from './v1/api-routes.js';
import { v1CallFormat } from './v1/call-format.js';
import { V1_API } from './v1/v1-api.js';

export type { SimulatorOptions } from './options.js';

export interface BandwidthSimulator {
  /** Base URL, e.g. `http://127.0.0.1:43121`; the API lives under `${url}/v1`. */
  readonly url: string;
  /** Stops the server, clears every timer and aborts in-flight callbacks. Safe to call twice. */
  close(): Promise<void>;
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
 * `/v1`, a scriptable far end, and a test control API under `/control`. The far end, callbacks,
 * control API and fault injection come from `core/`; what is v1's own, from `v1/`.
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
  const requestLog = new RequestLog();
  // Ends injected request delays on close, which would otherwise keep app.close() waiting.
  const lifetime = new AbortController();

  const app = Fastify({ logger: false });
  // Hooks run in the order they are added: a request is recorded, then authenticated, then faulted.
  installJsonBodyParser(app, requestLog);
  installRequestHooks(app, { requestLog, api: V1_API, logger });
  installApiAuth(app, options);
  installApiFaultHooks(app, { faults: apiFaults, api: V1_API, requestLog, signal: lifetime.signal, logger });
  installErrorResponses(app, { api: V1_API, logger });
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
