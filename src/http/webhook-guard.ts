import type { FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import type { ServiceMetrics, WebhookOutcome } from '../metrics.js';
import { basicAuthMatches } from './credentials.js';

export interface WebhookGuardOptions {
  /** Counts each delivery by event type and outcome. */
  metrics?: Pick<ServiceMetrics, 'webhook'>;
  username: string;
  password: string;
}

/**
 * What every Bandwidth webhook route shares: the basic-auth check, made before the body is even
 * read, and a count of each delivery once its answer is out — whoever gave it, since a refusal by
 * Fastify itself (a body too large, not JSON, failing the schema) is as much a rejected delivery
 * as one of ours.
 */
export class WebhookGuard {
  private readonly counted = new WeakMap<FastifyRequest, { eventType: string; outcome: WebhookOutcome }>();

  constructor(private readonly options: WebhookGuardOptions) {}

  readonly authenticate: onRequestHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!basicAuthMatches(request.headers.authorization, this.options.username, this.options.password)) {
      reply.header('www-authenticate', 'Basic realm="bandwidth-webhook"');
      await reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Missing or wrong webhook credentials' });
    }
  };

  readonly count: onResponseHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!this.options.metrics) return;
    const delivery = this.counted.get(request);
    if (delivery) this.options.metrics.webhook(delivery.eventType, delivery.outcome);
    else this.options.metrics.webhook('unknown', reply.statusCode === 401 ? 'unauthorized' : 'rejected');
  };

  /**
   * Records how a delivery went, for {@link WebhookGuard.count}, and logs it: at `warn` with the
   * reason when it was refused (an event about one call that names another, a foreign account),
   * since either someone forges webhooks or Bandwidth is pointed at us by mistake.
   */
  delivered(
    request: FastifyRequest,
    eventType: string,
    outcome: { status: WebhookOutcome; reason?: string },
    details: Record<string, unknown>,
  ): void {
    this.counted.set(request, { eventType, outcome: outcome.status });
    const fields = { eventType, ...details, ...outcome };
    if (outcome.status === 'rejected') request.log.warn(fields, 'bandwidth event refused');
    else request.log.info(fields, 'bandwidth event');
  }
}
