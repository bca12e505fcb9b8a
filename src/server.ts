import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { CallReconciler } from './calls/call-reconciler.js';
import { CallService } from './calls/call-service.js';
import type { CallStore } from './calls/call-store.js';
import type { CallChangeBus } from './change-bus/call-change-bus.js';
import { InProcessCallChangeBus } from './change-bus/in-process-change-bus.js';
import { redactRedisUrl } from './change-bus/redis-url.js';
import type { Config } from './config.js';
import { CallEventFeeds } from './graphql/call-event-feed.js';
import { registerHealthRoutes } from './http/health.route.js';
import { registerMetricsRoute } from './http/metrics.route.js';
import { buildCallSchema } from './graphql/schema.js';
import { closeGracefully, createHttpApp } from './http/app.js';
import { CALL_CONSOLE_PATH, registerCallConsole } from './http/call-console.route.js';
import { registerGraphQLExplorer } from './http/graphql-explorer.route.js';
import { registerGraphQLRoute } from './http/graphql.route.js';
import { ServiceMetrics } from './metrics.js';
import { describeService, type ServiceDescription } from './service-banner.js';
import { openStore } from './store/open-store.js';
import { startVoiceProvider } from './voice-provider.js';
// Types only: the simulator is loaded on demand, so a production start never loads the fake Bandwidth.
import type { BandwidthSimulator } from '../simulator/simulator.js';

export interface RunningServer {
  /** Base URL the server listens on, e.g. http://127.0.0.1:4000. */
  url: string;
  /** Its URLs and what it runs on, for the start-up banner. */
  description: ServiceDescription;
  /** The built-in simulator, when no Bandwidth credentials are configured. */
  simulator?: BandwidthSimulator;
  service: CallService;
  store: CallStore;
  /** Where committed changes are announced (in-process, or Redis when several instances share the work). */
  bus: CallChangeBus;
  close(): Promise<void>;
}

/**
 * Wires the service together and starts listening: store, change bus, Bandwidth client (and the
 * simulator it talks to when there are no credentials), the call domain, then HTTP.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  // Before the store, which reports its commits to it from the first; scrapes come once it is open.
  const metrics = new ServiceMetrics(() => store.countLiveWork());
  const store = await openStore(config.database, logger.child({ component: 'store' }), metrics.transactions);
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const bus = await openBus(config, store, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  closers.push(() => bus.close());
  const closeAll = async (): Promise<void> => {
    for (const close of [...closers].reverse()) await close().catch((error) => logger.error({ err: error }, 'close failed'));
  };

  try {
    let publicUrl = config.publicUrl;
    const provider = await startVoiceProvider({ config, logger, metrics, publicUrl: () => publicUrl! });
    closers.push(() => provider.close());
    const { gateway, simulator } = provider;
    const service = new CallService({
      store,
      gateway,
      notifier: bus,
      callbackUrl: () => provider.callbackUrl(publicUrl!),
      callsPerSecond: config.calls.perSecond,
      instanceId: config.instanceId,
      outboxLeaseMs: config.outboxLeaseMs,
      outboxSweepPage: config.outboxSweepPage,
      unconfirmedDialMarginMs: config.unconfirmedDialMarginMs,
      logger: logger.child({ component: 'calls' }),
    });
    closers.push(() => withTimeout(service.idle(), config.shutdownTimeoutMs));
    closers.push(async () => service.stop());

    const app = await createHttpApp(logger, config.httpLimits, config.trustProxy);
    registerHealthRoutes(app, { checks: { store: () => store.ping(), changeBus: () => bus.ping() } });
    registerMetricsRoute(app, metrics, { apiTokens: config.apiTokens });
    provider.registerWebhooks(app, service, metrics);
    const explorerPage = config.graphqlExplorer ? registerGraphQLExplorer(app, { tokenRequired: config.apiTokens.length > 0 }) : undefined;
    await registerGraphQLRoute(app, {
      schema: await buildCallSchema(),
      context: { service, store, bus, eventFeeds: new CallEventFeeds(store, bus) },
      apiTokens: config.apiTokens,
      introspection: config.graphqlIntrospection,
      mutationRateLimit: config.mutationRateLimit,
      subscriptionLimits: config.subscriptionLimits,
      connectionLimits: config.connectionLimits,
      webSocketLimits: config.webSocketLimits,
      metrics,
      explorerPage,
    });
    if (config.callConsole) await registerCallConsole(app);
    await app.listen({ host: config.host, port: config.port });
    // Closing HTTP first stops new work, lets in-flight webhooks finish and closes WebSockets (1001).
    closers.push(() => closeGracefully(app, config.shutdownTimeoutMs));
    const reconciler = new CallReconciler({
      service,
      store,
      logger: logger.child({ component: 'reconciler' }),
      silenceMs: config.calls.reconcileAfterMs,
    });
    reconciler.start();
    closers.push(() => reconciler.stop());

    const { port } = app.server.address() as AddressInfo;
    publicUrl ??= `http://localhost:${port}`;
    const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    await provider.announce(publicUrl);
    await service.resume();
    const description = describeService(config, {
      url,
      publicUrl,
      consolePath: config.callConsole ? CALL_CONSOLE_PATH : undefined,
      simulator: simulator?.url,
    });
    logger.info({ url, ...description }, 'listening');

    return { url, description, simulator, service, store, bus, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The change bus: Redis when several instances share the work, in-process otherwise. */
async function openBus(config: Config, store: CallStore, logger: Logger): Promise<CallChangeBus> {
  if (!config.redis) return new InProcessCallChangeBus();
  // Loaded only here: one instance on SQLite never loads a Redis client.
  const { connectRedisCallChangeBus } = await import('./change-bus/redis-change-bus.js');
  const bus = await connectRedisCallChangeBus({
    url: config.redis.url,
    prefix: config.redis.prefix,
    logger: logger.child({ component: 'change-bus' }),
    loadCall: (callId) => store.getCall(callId),
  });
  logger.info({ redis: redactRedisUrl(config.redis.url), prefix: config.redis.prefix }, 'change notifications go through Redis');
  return bus;
}

/** Waits for `work`, but no longer than `ms`: shutdown must end even if Bandwidth hangs. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}
