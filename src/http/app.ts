import websocket from '@fastify/websocket';
import { fastify, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** How long a shutting-down server waits for clients to answer its close frames. */
const CLOSE_HANDSHAKE_MS = 2000;

/**
 * On shutdown, closes every WebSocket with 1001 (going away), so clients know to reconnect —
 * to this instance once it is back, or to another — and resume from the last sequence they saw.
 */
function closeSocketsGoingAway(this: FastifyInstance, done: () => void): void {
  const clients = [...this.websocketServer.clients];
  const closed = clients.map(
    (client) => new Promise<void>((resolve) => (client.readyState === client.CLOSED ? resolve() : client.once('close', () => resolve()))),
  );
  for (const client of clients) client.close(1001, 'server shutting down');
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_HANDSHAKE_MS).unref());
  void Promise.race([Promise.all(closed), deadline]).then(() => {
    for (const client of clients) client.terminate();
    this.websocketServer.close();
    done();
  });
}

/**
 * The Fastify instance every route hangs off. The logger is the service's own, so request logs
 * and domain logs share redaction and level.
 */
export async function createHttpApp(logger: Logger): Promise<FastifyInstance> {
  const app = fastify({
    loggerInstance: logger,
    // Bandwidth and load balancers keep connections open; do not let a slow client hold one forever.
    requestTimeout: 30_000,
    return503OnClosing: true,
    // A webhook field of the wrong type is a malformed event, not something to coerce into shape.
    ajv: { customOptions: { coerceTypes: false } },
  }) as unknown as FastifyInstance;
  // Bandwidth posts JSON and GraphQL clients post JSON: anything else is refused with 415.
  app.removeContentTypeParser('text/plain');
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 }, preClose: closeSocketsGoingAway });
  return app;
}

/**
 * Stops the server the way a load balancer expects: no new requests (503 while closing), requests
 * in flight finish, and keep-alive connections close as soon as they fall idle — a webhook that was
 * in flight when the shutdown began leaves its connection open afterwards, and Node's `close()`
 * would otherwise wait for the client to drop it. After `timeoutMs` every connection is cut.
 */
export async function closeGracefully(app: FastifyInstance, timeoutMs: number): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
