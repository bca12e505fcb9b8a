import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, onDispose, startTestService, waitFor } from './support/test-service.js';

afterEach(disposeAll);

/** A raw TCP connection to the service, with what it has received and whether it has closed. */
interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
}

async function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  onDispose(async () => void socket.destroy());
  let received = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => received, closed: () => closed };
}

// What a client's sockets can do to the HTTP server does not depend on storage or Bandwidth's API.
forEachSetup('HTTP and WebSocket limits', { backends: ['sqlite'], apis: ['v1'] }, () => {
  it('answer a client that trickles its headers with 408 once HTTP_HEADERS_TIMEOUT_MS has passed, and close it', async () => {
    const service = await startTestService({ HTTP_HEADERS_TIMEOUT_MS: '500' });
    const client = await rawConnection(service.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: calls\r\n');
    const trickle = setInterval(() => client.socket.write('X-Slow: yes\r\n'), 100);
    onDispose(async () => clearInterval(trickle));
    // The default (10 s) or Node's own (60 s) would not end it within the wait.
    await waitFor('the connection to be closed', () => client.closed(), 5000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it('answer a request whose body does not arrive within HTTP_REQUEST_TIMEOUT_MS with 408', async () => {
    const service = await startTestService({ HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600' });
    const client = await rawConnection(service.url);
    client.socket.write('POST /graphql HTTP/1.1\r\nHost: calls\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
    await waitFor('the connection to be closed', () => client.closed(), 5000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it('close an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const service = await startTestService({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' });
    const client = await rawConnection(service.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: calls\r\nConnection: keep-alive\r\n\r\n');
    await waitFor('the answer', () => client.received().includes('"status":"ok"'), 5000);
    await waitFor('the idle connection to be closed', () => client.closed(), 5000);
  });

  it('close connections over HTTP_MAX_CONNECTIONS as they come, and serve new ones once others have closed', async () => {
    const service = await startTestService({ HTTP_MAX_CONNECTIONS: '3' });
    // The test harness may hold a keep-alive connection of its own: open until one is turned away.
    const open: RawConnection[] = [];
    let refused: RawConnection | undefined;
    for (let i = 0; i < 5 && !refused; i += 1) {
      const connection = await rawConnection(service.url);
      connection.socket.write('GET /healthz HTTP/1.1\r\nHost: calls\r\nConnection: keep-alive\r\n\r\n');
      await waitFor('an answer or a close', () => connection.received().includes('"status":"ok"') || connection.closed(), 5000);
      if (connection.closed() && connection.received() === '') refused = connection;
      else open.push(connection);
    }
    expect(refused).toBeDefined();
    expect(open.length).toBeLessThanOrEqual(3);

    for (const connection of open) connection.socket.destroy();
    await waitFor('a new connection to be served', async () => {
      const connection = await rawConnection(service.url);
      connection.socket.write('GET /healthz HTTP/1.1\r\nHost: calls\r\nConnection: close\r\n\r\n');
      await waitFor('an answer or a close', () => connection.received() !== '' || connection.closed(), 5000);
      return connection.received().includes('"status":"ok"');
    });
  });

  it('ping every WebSocket each WS_PING_INTERVAL_MS and drop the one that stops answering', async () => {
    const service = await startTestService({ WS_PING_INTERVAL_MS: '200' });
    const open = (autoPong: boolean): { socket: WebSocket; pings: () => number; closeCode: () => number | undefined } => {
      const socket = new WebSocket(`${service.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { autoPong });
      onDispose(async () => socket.terminate());
      let pings = 0;
      let closeCode: number | undefined;
      socket.on('ping', () => (pings += 1));
      socket.on('close', (code) => (closeCode = code));
      socket.on('error', () => undefined);
      return { socket, pings: () => pings, closeCode: () => closeCode };
    };
    const alive = open(true);
    const silent = open(false);
    await waitFor('the silent socket to be dropped', () => silent.closeCode() !== undefined, 5000);
    expect(silent.closeCode()).toBe(1006);
    await waitFor('three pings on the answering socket', () => alive.pings() >= 3, 5000);
    expect(alive.closeCode()).toBeUndefined();
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
  });
});
