import type { FastifyInstance } from 'fastify';
import type { ServiceMetrics } from '../metrics.js';

/**
 * `GET /metrics`: Prometheus exposition. It holds counts and durations only, never a phone number,
 * id or credential; keep it on the network the scraper uses, as with `/readyz`.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.render();
    return reply.type(metrics.contentType).send(body);
  });
}
