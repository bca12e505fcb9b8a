import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bandwidthWebhookBodySchema, parseBandwidthEvent, toProviderEvent } from '../bandwidth/v1/events.js';
import type { CallService } from '../calls/call-service.js';
import type { ServiceMetrics, WebhookOutcome } from '../metrics.js';
import { basicAuthMatches } from './credentials.js';

export interface WebhookRouteOptions {
  service: CallService;
  /** Counts each delivery by event type and outcome. */
  metrics?: Pick<ServiceMetrics, 'webhook'>;
  username: string;
  password: string;
  /** Bandwidth's events are small; anything bigger is not from Bandwidth. */
  bodyLimit?: number;
}

export const WEBHOOK_PATH = '/webhooks/bandwidth';

/**
 * `POST /webhooks/bandwidth`: Bandwidth's call events.
 *
 * Credentials are checked before the body is even read. An event is committed before the `200`
 * goes back, so an acknowledged event is never lost; the audio requests it triggers run after the
 * answer, so Bandwidth is never kept waiting on them.
 */
export function registerWebhookRoute(app: FastifyInstance, options: WebhookRouteOptions): void {
  const counted = new WeakMap<FastifyRequest, { eventType: string; outcome: WebhookOutcome }>();
  app.post(WEBHOOK_PATH, {
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // Counted once the answer is out, whoever gave it: a refusal by Fastify itself (a body that
    // is too large, not JSON, or fails the schema) is as much a rejected delivery as one of ours.
    onResponse: async (request, reply) => {
      if (!options.metrics) return;
      const delivery = counted.get(request);
      if (delivery) options.metrics.webhook(delivery.eventType, delivery.outcome);
      else options.metrics.webhook('unknown', reply.statusCode === 401 ? 'unauthorized' : 'rejected');
    },
    schema: { body: bandwidthWebhookBodySchema },
    onRequest: async (request, reply) => {
      if (!basicAuthMatches(request.headers.authorization, options.username, options.password)) {
        reply.header('www-authenticate', 'Basic realm="bandwidth-webhook"');
        await reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Missing or wrong webhook credentials' });
      }
    },
    handler: async (request, reply) => {
      const parsed = parseBandwidthEvent(request.body);
      if (!parsed.ok) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: parsed.error });
      }
      const event = toProviderEvent(parsed.event, new Date());
      const { requests: _requests, ...outcome } = await options.service.ingest(event);
      counted.set(request, { eventType: parsed.event.known ? event.type : 'other', outcome: outcome.status });
      request.log.info(
        { eventType: event.type, bandwidthCallId: event.providerCallId, ...outcome },
        'bandwidth event',
      );
      return reply.code(200).send(outcome);
    },
  });
}
