import { startSimulator, type BandwidthSimulator } from '../../simulator/simulator.js';
import { storageEnv } from './backend.js';
import { BANDWIDTH_API, playRequests } from './bandwidth-api.js';
import { freePort } from './free-port.js';
import { onDispose, simulatorControl, type Env } from './test-service.js';

export const API_TOKEN = 'standalone-client-token-0001';
export const WEBHOOK_USERNAME = 'bandwidth';
export const WEBHOOK_PASSWORD = 'standalone-webhook-password';

/**
 * A simulator that outlives the service, as the real Bandwidth would, and the environment of a
 * service that uses it with "real" credentials on a fixed port and database: start, kill and
 * restart the service against the same phone network and the same data.
 */
export interface StandaloneBandwidth {
  simulator: BandwidthSimulator;
  env: Env;
  sim<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function standaloneBandwidth(extraEnv: Env = {}): Promise<StandaloneBandwidth> {
  const credentials = { userId: 'u-standalone', apiToken: 'standalone-token', apiSecret: 'standalone-secret-value' };
  const oauthClient = { clientId: 'standalone-client', clientSecret: 'standalone-client-secret-value' };
  const simulator = await startSimulator({ ...credentials, answerDelayMs: 30, playbackDurationMs: 60, v2: { oauthClient } });
  onDispose(() => simulator.close());
  const bandwidthEnv = realBandwidthEnv(simulator, { ...credentials, ...oauthClient });
  const env: Env = {
    PORT: String(await freePort()),
    ...storageEnv(),
    ...bandwidthEnv,
    WEBHOOK_USERNAME,
    WEBHOOK_PASSWORD,
    API_TOKENS: API_TOKEN,
    OUTBOUND_CALLS_PER_SECOND: '1000',
    ...extraEnv,
  };
  return { simulator, env, sim: (method, path, body) => simulatorControl(simulator.url, method, path, body) };
}

/**
 * Audio requests the simulator received for a call, in order, with the status it answered: v1's
 * `POST …/audio`; v2's `PUT …/bxml` documents that play a file (v2 has no audio request: a file
 * decided on a webhook rides in its reply instead, and only {@link filesRequested} sees those).
 */
export async function audioRequests(
  bandwidth: { sim: StandaloneBandwidth['sim'] },
  bandwidthCallId: string,
): Promise<Array<{ fileUrl: string; tag?: string; status: number }>> {
  const requests = await bandwidth.sim<Array<{ method: string; path: string; status: number; body: unknown }>>(
    'GET',
    `/control/requests?callId=${bandwidthCallId}`,
  );
  if (BANDWIDTH_API === 'v2') {
    return requests.flatMap((r) => {
      if (r.method !== 'PUT' || !r.path.endsWith('/bxml') || typeof r.body !== 'string') return [];
      const played = /<PlayAudio[^>]*>([^<]*)<\/PlayAudio>/.exec(r.body);
      if (!played) return [];
      const tag = /[?&;]playback=([^&"']+)/.exec(r.body)?.[1];
      return [{ fileUrl: played[1]!.replaceAll('&amp;', '&'), ...(tag ? { tag } : {}), status: r.status }];
    });
  }
  return (requests as Array<{ method: string; path: string; status: number; body: { fileUrl: string; tag?: string } }>)
    .filter((r) => r.method === 'POST' && r.path.endsWith('/audio'))
    .map((r) => ({ fileUrl: r.body.fileUrl, tag: r.body.tag, status: r.status }));
}

/**
 * The files Bandwidth was asked to play on a call, in order: on v1 every `POST …/audio` that starts
 * a file, whatever it was answered ({@link audioRequests}); on v2 every `<PlayAudio>` it ran, from a
 * webhook's reply or a `PUT …/bxml` (v2 has no audio request of its own).
 */
export async function filesRequested(bandwidth: { sim: StandaloneBandwidth['sim'] }, bandwidthCallId: string): Promise<string[]> {
  if (BANDWIDTH_API === 'v2') return (await playRequests(bandwidth.sim, bandwidthCallId)).map((r) => r.fileUrl);
  return (await audioRequests(bandwidth, bandwidthCallId)).map((r) => r.fileUrl);
}

/**
 * The environment of a service that uses `simulator` as if it were the real Bandwidth, in this
 * run's API version: v2's account, application and OAuth client, or v1's user and API token.
 * A secret left out is for the caller to set.
 */
export function realBandwidthEnv(
  simulator: BandwidthSimulator,
  credentials: { userId: string; apiToken: string; apiSecret?: string; clientId: string; clientSecret?: string },
): Env {
  if (BANDWIDTH_API === 'v2') {
    return {
      BANDWIDTH_VOICE_API_URL: simulator.url,
      BANDWIDTH_OAUTH_URL: `${simulator.url}/api/v1/oauth2/token`,
      BANDWIDTH_ACCOUNT_ID: simulator.v2.accountId,
      BANDWIDTH_APPLICATION_ID: simulator.v2.applicationIds[0]!,
      BANDWIDTH_CLIENT_ID: credentials.clientId,
      ...(credentials.clientSecret === undefined ? {} : { BANDWIDTH_CLIENT_SECRET: credentials.clientSecret }),
    };
  }
  return {
    BANDWIDTH_API_URL: simulator.url,
    BANDWIDTH_USER_ID: credentials.userId,
    BANDWIDTH_API_TOKEN: credentials.apiToken,
    ...(credentials.apiSecret === undefined ? {} : { BANDWIDTH_API_SECRET: credentials.apiSecret }),
  };
}
