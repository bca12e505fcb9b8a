import { afterEach, expect, it, jest } from '@jest/globals';
import WebSocket from 'ws';
import { captureLog } from './support/log-capture.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { disposeAll, onDispose, startTestService, waitFor, type TestService } from './support/test-service.js';

afterEach(disposeAll);

const LIMIT = 64 * 1024;

/** A raw graphql-ws socket, past `connection_init`, that records what the server sends and how it closed. */
async function openSocket(service: TestService): Promise<{ socket: WebSocket; received: unknown[]; closed: Promise<number> }> {
  const socket = new WebSocket(`${service.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  onDispose(async () => socket.terminate());
  const received: unknown[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  return { socket, received, closed };
}

forEachSetup('WebSocket messages', ABOVE_BANDWIDTH, () => {
  it('are held to the HTTP body limit: one over it closes its socket with 1009 and one warn line, nothing on stderr', async () => {
    const log = captureLog();
    const consoleError = jest.spyOn(console, 'error');
    onDispose(async () => consoleError.mockRestore());
    const service = await startTestService({ LOG_LEVEL: 'info' }, { logStream: log.stream });

    const within = await openSocket(service);
    const padding = 'x'.repeat(LIMIT - 200);
    within.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: { padding } } }));
    await waitFor('the reply', () => within.received.some((message) => (message as { type: string }).type === 'next'));
    expect(within.received).toContainEqual({ id: '1', type: 'next', payload: { data: { __typename: 'Query' } } });

    const closes: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const { socket, closed } = await openSocket(service);
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: { to: `sip:${'a'.repeat(900_000)}@example.com` } } }));
      closes.push(await closed);
    }
    expect(new Set(closes)).toEqual(new Set([1009]));
    expect(within.socket.readyState).toBe(WebSocket.OPEN);
    await service.stop();

    const entries = log.entries();
    const socketErrors = entries.filter((entry) => entry.msg === 'websocket closed on a client error');
    expect(socketErrors).toHaveLength(20);
    expect(socketErrors[0]).toMatchObject({ level: 40, error: { message: 'Max payload size exceeded', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } });
    expect(entries.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(log.text()).not.toContain('"stack"');
    expect(consoleError).not.toHaveBeenCalled();
  });
});
