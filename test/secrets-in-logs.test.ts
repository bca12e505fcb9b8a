import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { afterEach, expect, it } from '@jest/globals';
import { startSimulator } from '../simulator/simulator.js';
import { BANDWIDTH_API, type BandwidthApi } from './support/bandwidth-api.js';
import { ANSWERS, CREATE_CALL, FROM, HANG_UP, file, type CallView } from './support/documents.js';
import { disposeAll, onDispose, startTestService, waitFor } from './support/test-service.js';
import { realBandwidthEnv } from './support/standalone-bandwidth.js';
import { captureLog } from './support/log-capture.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

/**
 * The secrets of a service with real credentials: v1's API secret, or v2's OAuth client secret
 * (whose bearer tokens are secrets too, checked below); the webhook password and client API token on both.
 */
function secretsOf(api: BandwidthApi): Record<string, string> {
  return {
    ...(api === 'v2' ? { BANDWIDTH_CLIENT_SECRET: 'bandwidth-client-secret-7f3a9c' } : { BANDWIDTH_API_SECRET: 'bandwidth-api-secret-7f3a9c' }),
    WEBHOOK_PASSWORD: 'webhook-password-2b8e4d',
    API_TOKENS: 'client-api-token-5c1f0a9e',
  };
}

forEachSetup('secrets', ({ api }) => {
  const SECRETS = secretsOf(api);

  it('never appear in the logs of a whole call, even at trace level, nor in the API', async () => {
    const simulator = await startSimulator({
      userId: 'u-secrets',
      apiToken: 'bandwidth-api-token',
      apiSecret: SECRETS.BANDWIDTH_API_SECRET ?? 'bandwidth-api-secret-unused',
      answerDelayMs: 20,
      playbackDurationMs: 30,
      v2: { oauthClient: { clientId: 'secrets-client', clientSecret: SECRETS.BANDWIDTH_CLIENT_SECRET ?? 'bandwidth-client-secret-unused' } },
    });
    onDispose(() => simulator.close());
    const lines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));

    // The secrets themselves come from SECRETS, so they are set once, where the test checks them.
    const bandwidthEnv = realBandwidthEnv(simulator, { userId: 'u-secrets', apiToken: 'bandwidth-api-token', clientId: 'secrets-client' });
    const service = await startTestService(
      {
        LOG_LEVEL: 'trace',
        ...bandwidthEnv,
        WEBHOOK_USERNAME: 'bandwidth',
        ...SECRETS,
      },
      { logStream },
    );
    expect(service.server.simulator).toBeUndefined();

    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a', 30) }] },
    });
    expect(errors).toBeUndefined();
    const call = data!.createCall;
    const everything = `{ call(id: "${call.id}") { id bandwidthCallId state playbacks { id status error } events { type payload } } }`;
    const full = await waitFor('the file to play', async () => {
      const response = await service.gql<{ call: { playbacks: Array<{ id: string }> } }>(everything);
      return JSON.stringify(response).includes('"status":"DONE"') ? response : undefined;
    });
    await service.gql(HANG_UP, { callId: call.id });
    await service.gql('{ calls { nodes { id } } }', {}, 'a-wrong-token-of-some-length');
    const webhookPath = BANDWIDTH_API === 'v2' ? '/webhooks/bandwidth/v2/answer' : '/webhooks/bandwidth';
    await fetch(`${service.url}${webhookPath}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await service.stop();

    const logs = lines.join('');
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).toContain(call.id);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect([name, logs.includes(secret)]).toEqual([name, false]);
      expect([name, JSON.stringify(full).includes(secret)]).toEqual([name, false]);
    }
    if (BANDWIDTH_API === 'v2') {
      // The bearer tokens the service was issued: the simulator shows only their first characters.
      const tokens = await (await fetch(`${simulator.url}/control/oauth/tokens`)).json() as Array<{ token: string }>;
      expect(tokens.length).toBeGreaterThan(0);
      for (const { token } of tokens) {
        const prefix = token.replace(/…$/, '');
        expect(['bearer token', logs.includes(prefix), JSON.stringify(full).includes(prefix)]).toEqual(['bearer token', false, false]);
      }
      expect(logs).not.toMatch(/Bearer [A-Za-z0-9]/);
    }
  });

  it('put in a query string by a careless client are neither logged nor echoed', async () => {
    const log = captureLog();
    // The built-in simulator: only the webhook password and the API token are in play here.
    const service = await startTestService(
      { LOG_LEVEL: 'trace', WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD: SECRETS.WEBHOOK_PASSWORD!, API_TOKENS: SECRETS.API_TOKENS! },
      { logStream: log.stream },
    );
    const inQuery = { token: SECRETS.API_TOKENS!, password: SECRETS.WEBHOOK_PASSWORD! };
    const webhookPath = BANDWIDTH_API === 'v2' ? '/webhooks/bandwidth/v2/answer' : '/webhooks/bandwidth';

    const replies: string[] = [];
    const request = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      replies.push(await response.text());
      return response.status;
    };
    expect(await request('POST', `/graphql?token=${inQuery.token}`, { query: '{ __typename }' })).toBe(401);
    expect(await request('POST', `${webhookPath}?password=${inQuery.password}`, {})).toBe(401);
    expect(await request('POST', `/webhooks/nowhere?password=${inQuery.password}`, {})).toBe(404);
    expect(await request('GET', `/nothing?token=${inQuery.token}`)).toBe(404);
    expect(JSON.parse(replies.at(-1)!)).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route GET:/nothing not found' });
    const socket = new WebSocket(`${service.url.replace('http', 'ws')}/graphql?token=${inQuery.token}`, 'graphql-transport-ws');
    socket.on('error', () => undefined);
    socket.on('open', () => socket.close());
    await new Promise((resolve) => socket.once('close', resolve));
    await service.stop();

    const logs = log.text();
    expect(logs).toContain('"path":"/nothing"');
    for (const [name, secret] of Object.entries(inQuery)) {
      expect([name, logs.includes(secret), replies.some((reply) => reply.includes(secret))]).toEqual([name, false, false]);
    }
  });
});
