import type { FastifyInstance } from 'fastify';
import type { ApiToken } from '../config.js';
import type { ServiceMetrics } from '../metrics.js';
import { identifyCaller } from './caller.js';
import { bearerToken } from './credentials.js';

export interface MetricsRouteOptions {
  /**
   * The API tokens; when there are any, a scrape must present one (`Authorization: Bearer`),
   * of either scope. The figures name no call or person, but call volumes and error rates are
   * the operator's business, not the internet's.
   * @default none: open, as the API is
   */
  apiTokens: readonly ApiToken[];
}

/** `GET /metrics`: Prometheus exposition. It holds counts and durations only, never a phone number, id or credential. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServiceMetrics, options: MetricsRouteOptions): void {
  app.get('/metrics', async (request, reply) => {
    if (!identifyCaller(bearerToken(request.headers.authorization), request.ip, options.apiTokens)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Missing or wrong API token' });
    }
    const body = await metrics.render();
    return reply.type(metrics.contentType).send(body);
  });
}
