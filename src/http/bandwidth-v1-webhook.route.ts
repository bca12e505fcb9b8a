import type { FastifyInstance } from 'fastify';
import { bandwidthWebhookBodySchema, parseBandwidthEvent, toProviderEvent } from '../bandwidth/v1/events.js';
import type { CallService } from '../calls/call-service.js';
import type { ServiceMetrics } from '../metrics.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from './message-limits.js';
import { WebhookGuard } from './webhook-guard.js';

export interface BandwidthV1WebhookRouteOptions {
  service: CallService;
  /** Counts each delivery by event type and outcome. */
  metrics?: Pick<ServiceMetrics, 'webhook'>;
  username: string;
  password: string;
  /** Bandwidth's events are small; anything bigger is not from Bandwidth. */
  bodyLimit?: number;
}

export const V1_WEBHOOK_PATH = '/webhooks/bandwidth';

/**
 * `POST /webhooks/bandwidth`: Bandwidth's call events.
 *
 * Credentials are checked before the body is even read. An event is committed before the `200`
 * goes back, so an acknowledged event is never lost; the audio requests it triggers run after the
 * answer, so Bandwidth is never kept waiting on them.
 */
export function registerBandwidthV1WebhookRoute(app: FastifyInstance, options: BandwidthV1WebhookRouteOptions): void {
  const guard = new WebhookGuard(options);
  app.post(V1_WEBHOOK_PATH, {
    bodyLimit: options.bodyLimit ?? WEBHOOK_BODY_LIMIT_BYTES,
    onResponse: guard.count,
    schema: { body: bandwidthWebhookBodySchema },
    onRequest: guard.authenticate,
    handler: async (request, reply) => {
      const parsed = parseBandwidthEvent(request.body);
      if (!parsed.ok) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: parsed.error });
      }
      const event = toProviderEvent(parsed.event, new Date());
      const { requests: _requests, ...outcome } = await options.service.ingest(event);
      guard.delivered(request, parsed.event.known ? event.type : 'other', outcome, { eventType: event.type, bandwidthCallId: event.providerCallId });
      // Refused events are acknowledged too: a retry would be refused again.
      return reply.code(200).send(outcome);
    },
  });
}
