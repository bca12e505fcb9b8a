import { startSimulator, type BandwidthSimulator } from '../../simulator/simulator.js';
import { storageEnv } from './backend.js';
import { freePort, onDispose, simulatorControl, type Env } from './test-service.js';

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
  const simulator = await startSimulator({ ...credentials, answerDelayMs: 30, playbackDurationMs: 60 });
  onDispose(() => simulator.close());
  const env: Env = {
    PORT: String(await freePort()),
    ...storageEnv(),
    BANDWIDTH_API_URL: simulator.url,
    BANDWIDTH_USER_ID: credentials.userId,
    BANDWIDTH_API_TOKEN: credentials.apiToken,
    BANDWIDTH_API_SECRET: credentials.apiSecret,
    WEBHOOK_USERNAME,
    WEBHOOK_PASSWORD,
    API_TOKENS: API_TOKEN,
    OUTBOUND_CALLS_PER_SECOND: '1000',
    ...extraEnv,
  };
  return { simulator, env, sim: (method, path, body) => simulatorControl(simulator.url, method, path, body) };
}

/** Audio requests the simulator received for a call, in order, with the status it answered. */
export async function audioRequests(
  bandwidth: { sim: StandaloneBandwidth['sim'] },
  bandwidthCallId: string,
): Promise<Array<{ fileUrl: string; tag?: string; status: number }>> {
  const requests = await bandwidth.sim<Array<{ method: string; path: string; status: number; body: { fileUrl: string; tag?: string } }>>(
    'GET',
    `/control/requests?callId=${bandwidthCallId}`,
  );
  return requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/audio'))
    .map((r) => ({ fileUrl: r.body.fileUrl, tag: r.body.tag, status: r.status }));
}
