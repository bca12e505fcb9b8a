import websocket from '@fastify/websocket';
import { fastify, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

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
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
