import { afterEach, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../src/config.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { metricValue, scrapeMetrics } from './support/metrics.js';
import { disposeAll, onDispose, startTestService, waitFor } from './support/test-service.js';

afterEach(disposeAll);

const TOKEN = 'first-client-token-0123';
const OTHER = 'second-client-token-012';

/** How a raw graphql-ws socket fared: acknowledged, or closed with a code and reason. */
interface Outcome {
  acknowledged: boolean;
  close?: { code: number; reason: string };
  socket: WebSocket;
}

/** Opens a graphql-ws socket, says `connection_init` with `token`, and resolves once it is acknowledged or closed. */
function connectSocket(url: string, { token, forwardedFor }: { token?: string; forwardedFor?: string } = {}): Promise<Outcome> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
  onDispose(async () => socket.terminate());
  return new Promise((resolve) => {
    const outcome: Outcome = { acknowledged: false, socket };
    socket.on('error', () => undefined);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type !== 'connection_ack') return;
      outcome.acknowledged = true;
      resolve(outcome);
    });
    socket.on('close', (code, reason) => {
      outcome.close = { code, reason: reason.toString() };
      resolve(outcome);
    });
  });
}

forEachSetup('WebSocket connection limits', ABOVE_BANDWIDTH, () => {
  it('close a socket over MAX_WS_CONNECTIONS_PER_ADDRESS with 1013, count it, and admit another once one has closed', async () => {
    const service = await startTestService({ MAX_WS_CONNECTIONS_PER_ADDRESS: '2' });
    const [first, second] = [await connectSocket(service.url), await connectSocket(service.url)];
    expect([first.acknowledged, second.acknowledged]).toEqual([true, true]);

    const third = await connectSocket(service.url);
    expect(third).toMatchObject({ acknowledged: false, close: { code: 1013, reason: 'Too many connections from this address' } });
    const { text } = await scrapeMetrics(service.url);
    expect(metricValue(text, 'catapult_websocket_connections_refused_total', { limit: 'address' })).toBe(1);

    first.socket.close();
    await waitFor('a slot to be free again', async () => (await connectSocket(service.url)).acknowledged);
  });

  it('close a socket over MAX_WS_CONNECTIONS_PER_TOKEN with 1013 once it names its token, other tokens apart', async () => {
    const service = await startTestService({ API_TOKENS: `${TOKEN},${OTHER}`, MAX_WS_CONNECTIONS_PER_TOKEN: '2' });
    expect((await connectSocket(service.url, { token: TOKEN })).acknowledged).toBe(true);
    expect((await connectSocket(service.url, { token: TOKEN })).acknowledged).toBe(true);
    const refused = await connectSocket(service.url, { token: TOKEN });
    expect(refused).toMatchObject({ acknowledged: false, close: { code: 1013, reason: 'Too many connections for this API token' } });
    expect((await connectSocket(service.url, { token: OTHER })).acknowledged).toBe(true);
  });

  it('tell clients apart by X-Forwarded-For only from a proxy TRUST_PROXY names', async () => {
    const trusting = await startTestService({ MAX_WS_CONNECTIONS_PER_ADDRESS: '1', TRUST_PROXY: '127.0.0.1,::1' });
    expect((await connectSocket(trusting.url, { forwardedFor: '203.0.113.7' })).acknowledged).toBe(true);
    expect((await connectSocket(trusting.url, { forwardedFor: '203.0.113.8' })).acknowledged).toBe(true);
    expect((await connectSocket(trusting.url, { forwardedFor: '203.0.113.7' })).close?.code).toBe(1013);

    // Without TRUST_PROXY a client cannot choose its address by saying so.
    const wary = await startTestService({ MAX_WS_CONNECTIONS_PER_ADDRESS: '1' });
    expect((await connectSocket(wary.url, { forwardedFor: '203.0.113.7' })).acknowledged).toBe(true);
    expect((await connectSocket(wary.url, { forwardedFor: '203.0.113.8' })).close?.code).toBe(1013);
  });
});

it('TRUST_PROXY takes true, false, or addresses and CIDR ranges, and refuses anything else', () => {
  const trustProxy = (value: string) => loadConfig({ TRUST_PROXY: value }).trustProxy;
  expect(trustProxy('false')).toBe(false);
  expect(trustProxy('true')).toBe(true);
  expect(trustProxy('10.0.0.0/8, 127.0.0.1,::1,fd00::/8')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
  for (const bad of ['2', 'proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129']) expect(() => trustProxy(bad)).toThrow(ConfigError);
});
