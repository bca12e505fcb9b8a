import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authoriser } from './bandwidth/authoriser.js';
import { BandwidthV1Client } from './bandwidth/v1/client.js';
import { basicAuthoriser } from './bandwidth/v2/basic-authoriser.js';
import { BandwidthV2Client } from './bandwidth/v2/client.js';
import { OAuthAuthoriser } from './bandwidth/v2/oauth-authoriser.js';
import type { CallService } from './calls/call-service.js';
import type { VoiceGateway } from './calls/voice-gateway.js';
import type { Config } from './config.js';
import type { BandwidthApiVersion, RealBandwidth, SimulatedBandwidth } from './bandwidth-config.js';
import { registerBandwidthV2WebhookRoutes, V2_WEBHOOK_PATH } from './http/bandwidth-v2-webhook.route.js';
import { registerBandwidthV1WebhookRoute, V1_WEBHOOK_PATH } from './http/bandwidth-v1-webhook.route.js';
import type { ServiceMetrics } from './metrics.js';
// Types only: the simulator is loaded on demand, so a production start never loads the fake Bandwidth.
import type { BandwidthSimulator } from '../simulator/simulator.js';

/** Bandwidth as the service talks to it: the gateway the domain uses, and the webhooks that answer back. */
export interface VoiceProvider {
  apiVersion: BandwidthApiVersion;
  gateway: VoiceGateway;
  /** The built-in simulator, when no Bandwidth credentials are configured. */
  simulator?: BandwidthSimulator;
  /** Adds the webhook routes this API version calls back on. */
  registerWebhooks(app: FastifyInstance, service: CallService, metrics: ServiceMetrics): void;
  /** The URL handed to Bandwidth for a call's events: our webhook with its basic-auth credentials in it. */
  callbackUrl(publicUrl: string): string;
  /** Once the service listens: points the simulator's inbound calls at it, as a Bandwidth application would. */
  announce(publicUrl: string): Promise<void>;
  close(): Promise<void>;
}

interface ProviderContext {
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Our public URL, once known (a server on an ephemeral port knows it only once it listens). */
  publicUrl: () => string;
}

/** The simulator's v2 application: inbound calls of the simulated account are announced for it. */
const SIMULATED_V2_APPLICATION = 'app-simulated-service';

/**
 * Connects to Bandwidth's v1 or v2 API as configured, or starts the built-in simulator (v1 or v2)
 * and connects to that.
 */
export async function startVoiceProvider(context: ProviderContext): Promise<VoiceProvider> {
  const { config, logger } = context;
  const bandwidth = config.bandwidth;
  if (bandwidth.mode === 'real') {
    logger.info({ bandwidthApi: bandwidth.apiVersion, url: bandwidth.apiVersion === 'v1' ? bandwidth.apiUrl : bandwidth.voiceApiUrl }, `using the real Bandwidth ${bandwidth.apiVersion} API`);
    return bandwidth.apiVersion === 'v1' ? v1Provider(context, { baseUrl: bandwidth.apiUrl, ...bandwidth }) : v2Provider(context, realV2Connection(bandwidth, logger, context.metrics));
  }
  return simulatedProvider(context, bandwidth);
}

interface V1Connection {
  baseUrl: string;
  userId: string;
  apiToken: string;
  apiSecret: string;
}

interface V2Connection {
  voiceApiUrl: string;
  accountId: string;
  applicationId: string;
  authoriser: Authoriser;
}

function v1Provider(context: ProviderContext, connection: V1Connection, simulator?: BandwidthSimulator): VoiceProvider {
  const { config, metrics } = context;
  const fallbackUrl = config.publicFallbackUrl === undefined ? undefined : withCredentials(`${config.publicFallbackUrl}${V1_WEBHOOK_PATH}`, config.webhook);
  const gateway = new BandwidthV1Client({ ...connection, fallbackUrl, ...clientOptions(context) });
  return {
    apiVersion: 'v1',
    gateway,
    simulator,
    registerWebhooks: (app, service) => registerBandwidthV1WebhookRoute(app, { service, metrics, ...config.webhook }),
    callbackUrl: (publicUrl) => withCredentials(`${publicUrl}${V1_WEBHOOK_PATH}`, config.webhook),
    announce: async (publicUrl) => {
      if (simulator) await controlSimulator(simulator, 'PATCH', '/control/settings', { incomingCallUrl: withCredentials(`${publicUrl}${V1_WEBHOOK_PATH}`, config.webhook) });
    },
    close: async () => simulator?.close(),
  };
}

function v2Provider(context: ProviderContext, connection: V2Connection, simulator?: BandwidthSimulator): VoiceProvider {
  const { config, metrics } = context;
  const callbackUrl = (publicUrl: string): string => withCredentials(`${publicUrl}${V2_WEBHOOK_PATH}`, config.webhook);
  const fallbackUrl = config.publicFallbackUrl === undefined ? undefined : callbackUrl(config.publicFallbackUrl);
  const gateway = new BandwidthV2Client({ ...connection, callbackUrl: () => callbackUrl(context.publicUrl()), fallbackUrl, ...clientOptions(context) });
  return {
    apiVersion: 'v2',
    gateway,
    simulator,
    registerWebhooks: (app, service) =>
      registerBandwidthV2WebhookRoutes(app, {
        service,
        gateway,
        metrics,
        account: { accountId: connection.accountId, applicationId: connection.applicationId },
        ...config.webhook,
      }),
    callbackUrl,
    announce: async (publicUrl) => {
      if (!simulator) return;
      await controlSimulator(simulator, 'PUT', `/control/v2/applications/${connection.applicationId}`, {
        callInitiatedCallbackUrl: `${publicUrl}${V2_WEBHOOK_PATH}/initiate`,
        ...(config.publicFallbackUrl === undefined ? {} : { callInitiatedFallbackUrl: `${config.publicFallbackUrl}${V2_WEBHOOK_PATH}/initiate` }),
        callStatusCallbackUrl: `${publicUrl}${V2_WEBHOOK_PATH}/disconnect`,
        ...config.webhook,
      });
    },
    close: async () => simulator?.close(),
  };
}

function realV2Connection(bandwidth: Extract<RealBandwidth, { apiVersion: 'v2' }>, logger: Logger, metrics: ServiceMetrics): V2Connection {
  const { credentials } = bandwidth;
  const authoriser =
    credentials.kind === 'basic'
      ? basicAuthoriser(credentials.username, credentials.password)
      : new OAuthAuthoriser({
          tokenUrl: bandwidth.oauthUrl,
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          logger: logger.child({ component: 'bandwidth-oauth' }),
          observer: metrics.bandwidth,
        });
  return { voiceApiUrl: bandwidth.voiceApiUrl, accountId: bandwidth.accountId, applicationId: bandwidth.applicationId, authoriser };
}

async function simulatedProvider(context: ProviderContext, settings: SimulatedBandwidth): Promise<VoiceProvider> {
  const { logger } = context;
  // Fresh secrets at each start: nothing but this service can use the simulator's API.
  const v1 = { userId: 'u-simulator', apiToken: 'simulator', apiSecret: randomBytes(18).toString('base64url') };
  const oauthClient = { clientId: 'simulator-service', clientSecret: randomBytes(18).toString('base64url') };
  const { startSimulator } = await import('../simulator/simulator.js');
  const simulator = await startSimulator({
    port: settings.port,
    host: '127.0.0.1',
    ...v1,
    answerDelayMs: settings.answerDelayMs,
    playbackDurationMs: settings.playbackDurationMs,
    v2: { applicationIds: [SIMULATED_V2_APPLICATION], oauthClient },
    logger: logger.child({ component: 'simulator' }),
  });
  logger.info(
    { simulatorUrl: simulator.url, bandwidthApi: settings.apiVersion },
    `No Bandwidth credentials configured: started the built-in Bandwidth simulator (${settings.apiVersion} API); calls go nowhere real`,
  );
  if (settings.apiVersion === 'v1') return v1Provider(context, { baseUrl: simulator.url, ...v1 }, simulator);
  const authoriser = new OAuthAuthoriser({
    tokenUrl: `${simulator.url}/api/v1/oauth2/token`,
    ...oauthClient,
    logger: logger.child({ component: 'bandwidth-oauth' }),
    observer: context.metrics.bandwidth,
  });
  return v2Provider(
    context,
    { voiceApiUrl: simulator.url, accountId: simulator.v2.accountId, applicationId: SIMULATED_V2_APPLICATION, authoriser },
    simulator,
  );
}

/** What either API's client takes from the service: its timeout, its log and its metrics. */
function clientOptions({ config, logger, metrics }: ProviderContext) {
  return { timeoutMs: config.bandwidthTimeoutMs, logger: logger.child({ component: 'bandwidth' }), observer: metrics.bandwidth };
}

function withCredentials(target: string, credentials: { username: string; password: string }): string {
  const url = new URL(target);
  url.username = encodeURIComponent(credentials.username);
  url.password = encodeURIComponent(credentials.password);
  return url.toString();
}

async function controlSimulator(simulator: BandwidthSimulator, method: string, path: string, body: object): Promise<void> {
  const response = await fetch(`${simulator.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the simulator refused ${method} ${path} (${response.status})`);
}
