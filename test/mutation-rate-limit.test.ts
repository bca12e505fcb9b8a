import { request } from 'node:http';
import { afterEach, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';
import { ANSWERS, CREATE_CALL, FROM, STOP_AUDIO } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { holdSocketOpen, wsExecute } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const TOKEN = 'first-client-token-0123';
const OTHER = 'second-client-token-012';
const CALLS = '{ calls { nodes { id } } }';
/** A mutation that changes nothing (the call does not exist) but counts all the same. */
const stop = (service: TestService, token?: string) => service.gql(STOP_AUDIO, { callId: 'call_x' }, token);

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: unknown; errors?: Array<{ message: string; extensions: Record<string, any> }> };
}

/** POST /graphql from a chosen local address, so that two anonymous callers can be told apart. */
function postFrom(localAddress: string, url: string, query: string, variables: Record<string, unknown> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query, variables }));
  });
}

forEachSetup('the mutation rate limit', ABOVE_BANDWIDTH, () => {
  it('refuses a token’s mutations over MUTATION_RATE_LIMIT a minute with 429 RATE_LIMITED and when to retry', async () => {
    const service = await startTestService({ API_TOKENS: `${TOKEN},${OTHER}`, MUTATION_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i += 1) expect((await stop(service, TOKEN)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: CREATE_CALL, variables: { input: { from: FROM, to: ANSWERS } } }),
    });
    expect(response.status).toBe(429);
    const body = (await response.json()) as RawResponse['body'];
    expect(body.data).toBeUndefined();
    const { retryAfterMs } = body.errors![0]!.extensions;
    expect(body.errors![0]!.extensions.code).toBe('RATE_LIMITED');
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Number(response.headers.get('retry-after'))).toBe(Math.ceil(retryAfterMs / 1000));

    // The refused createCall never ran; queries and other tokens are not held back.
    expect(await service.gql(CALLS, {}, TOKEN)).toEqual({ status: 200, data: { calls: { nodes: [] } } });
    expect((await stop(service, OTHER)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('counts a token’s mutations over WebSocket in the same allowance, and keeps the socket open', async () => {
    const service = await startTestService({ API_TOKENS: TOKEN, MUTATION_RATE_LIMIT: '2' });
    await stop(service);
    const client = service.ws();
    const socket = await holdSocketOpen(client);
    expect((await wsExecute(client, STOP_AUDIO, { callId: 'call_x' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const refused = await wsExecute(client, STOP_AUDIO, { callId: 'call_x' });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect((await stop(service)).status).toBe(429);
    expect(await wsExecute(client, CALLS)).toEqual({ data: { calls: { nodes: [] } } });
    expect(socket.connections()).toBe(1);
  });

  it('counts every mutation field of a document, aliased or not', async () => {
    const service = await startTestService({ API_TOKENS: TOKEN, MUTATION_RATE_LIMIT: '3' });
    const four = `mutation { ${[1, 2, 3, 4].map((i) => `s${i}: stopAudio(callId: "call_${i}") { id }`).join(' ')} }`;
    const { status, errors } = await service.gql(four);
    expect(status).toBe(429);
    expect(errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('gives anonymous callers of an open API one allowance per remote address', async () => {
    const service = await startTestService({ MUTATION_RATE_LIMIT: '2' });
    for (let i = 0; i < 2; i += 1) expect((await postFrom('127.0.0.1', service.url, STOP_AUDIO, { callId: 'call_x' })).status).toBe(200);
    const refused = await postFrom('127.0.0.1', service.url, STOP_AUDIO, { callId: 'call_x' });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body.errors![0]!.extensions.code).toBe('RATE_LIMITED');

    const elsewhere = await postFrom('127.0.0.2', service.url, STOP_AUDIO, { callId: 'call_x' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.errors![0]!.extensions.code).toBe('NOT_FOUND');
  });

  it('is off with MUTATION_RATE_LIMIT=0', async () => {
    const service = await startTestService({ API_TOKENS: TOKEN, MUTATION_RATE_LIMIT: '0' });
    for (let i = 0; i < 20; i += 1) expect((await stop(service)).status).toBe(200);
  });
});

forEachSetup('MUTATION_RATE_LIMIT', ABOVE_BANDWIDTH, () => {
  it('defaults to 600 a minute', () => {
    expect(loadConfig({}).mutationRateLimit).toBe(600);
    expect(loadConfig({ MUTATION_RATE_LIMIT: '0' }).mutationRateLimit).toBe(0);
  });

  it.each(['many', '-1', '1.5'])('refuses %j at start-up naming the variable', (value) => {
    expect(() => loadConfig({ MUTATION_RATE_LIMIT: value })).toThrow(ConfigError);
    expect(() => loadConfig({ MUTATION_RATE_LIMIT: value })).toThrow(/^MUTATION_RATE_LIMIT must be a whole number/);
  });
});
