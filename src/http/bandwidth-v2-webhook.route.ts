import type { FastifyInstance, FastifyReply } from 'fastify';
import { bandwidthV2WebhookBodySchema, toProviderEvent, type V2WebhookKind } from '../bandwidth/v2/events.js';
import type { BandwidthV2Client } from '../bandwidth/v2/client.js';
import { readRedirectMarker, type WebhookQuery } from '../bandwidth/v2/webhook-urls.js';
import type { CallService } from '../calls/call-service.js';
import type { ServiceMetrics } from '../metrics.js';
import { WEBHOOK_BODY_LIMIT_BYTES } from './message-limits.js';
import { WebhookGuard } from './webhook-guard.js';

export interface BandwidthV2WebhookOptions {
  service: CallService;
  /** The v2 gateway: its reply slots carry what the domain decides while a webhook waits for BXML. */
  gateway: Pick<BandwidthV2Client, 'replies' | 'holdResponse' | 'ringingResponse'>;
  metrics?: Pick<ServiceMetrics, 'webhook'>;
  /**
   * Our account and application. Every v2 callback names both; one that names others is not about
   * a call of ours (a forgery, or another account's application pointed at this URL) and is refused.
   */
  account: { accountId: string; applicationId: string };
  username: string;
  password: string;
  /** Bandwidth's events are small; anything bigger is not from Bandwidth. */
  bodyLimit?: number;
  /**
   * How long a webhook that expects BXML waits for the requests its event decided (the next file
   * to play) before it replies without them; they then go out by REST. Bandwidth itself waits 15 s
   * at most. Default 5 000 ms.
   */
  decisionWaitMs?: number;
}

export const V2_WEBHOOK_PATH = '/webhooks/bandwidth/v2';

const KINDS: readonly V2WebhookKind[] = ['answer', 'initiate', 'redirect', 'disconnect'];
const HANGUP = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

/**
 * `POST /webhooks/bandwidth/v2/{answer,initiate,redirect,disconnect}`: Bandwidth v2's callbacks.
 *
 * As on v1, credentials are checked before the body is read and an event is committed before the
 * answer goes back. `answer`, `initiate` and `redirect` expect BXML: the reply carries what the
 * domain decided on the event (the next file, or the hold that keeps an idle call up), so no REST
 * request races it; `disconnect` gets the outcome as JSON, which Bandwidth ignores.
 */
export function registerBandwidthV2WebhookRoutes(app: FastifyInstance, options: BandwidthV2WebhookOptions): void {
  const guard = new WebhookGuard(options);
  const decisionWaitMs = options.decisionWaitMs ?? 5000;
  for (const kind of KINDS) {
    app.post(`${V2_WEBHOOK_PATH}/${kind}`, {
      bodyLimit: options.bodyLimit ?? WEBHOOK_BODY_LIMIT_BYTES,
      onResponse: guard.count,
      schema: { body: bandwidthV2WebhookBodySchema },
      onRequest: guard.authenticate,
      handler: async (request, reply) => {
        const query = request.query as WebhookQuery;
        const parsed = toProviderEvent(kind, request.body, query, new Date());
        if (!parsed.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: parsed.error });
        const { event } = parsed;
        const details = { bandwidthCallId: event.providerCallId, ...(kind === 'redirect' ? { marker: query } : {}) };
        const foreign = foreignTo(options.account, request.body as Record<string, unknown>);
        if (foreign) {
          const outcome = { status: 'rejected' as const, reason: foreign };
          guard.delivered(request, kind, outcome, details);
          return kind === 'disconnect' ? reply.code(200).send(outcome) : sendBxml(reply, HANGUP);
        }
        if (kind === 'disconnect') {
          const { requests: _requests, ...outcome } = await options.service.ingest(event);
          guard.delivered(request, kind, outcome, details);
          return reply.code(200).send(outcome);
        }
        const slot = options.gateway.replies.open(event.providerCallId);
        try {
          const { requests, ...outcome } = await options.service.ingest(event);
          guard.delivered(request, kind, outcome, details);
          await settledWithin(requests, decisionWaitMs);
          // A call we know nothing of (not ours, or long gone), have ended, or that the event was
          // refused for (it named another call) is not kept up on our account: one that has ended
          // here but asks for more BXML (a create given up that rang after all, a hang-up still on
          // its way) is hung up. The ingest says so; reading the call again could fail (a dropped
          // database connection) and turn the reply its requests filled into a 503.
          const over = !('callId' in outcome) || outcome.ended;
          const fallback = over ? HANGUP : ringing(kind, query) ? options.gateway.ringingResponse() : options.gateway.holdResponse();
          return sendBxml(reply, over ? HANGUP : (slot.take() ?? fallback));
        } finally {
          slot.close();
        }
      },
    });
  }
}

/** Why a callback is not for us: it names another account or application (or none); undefined when it is ours. */
function foreignTo(account: { accountId: string; applicationId: string }, body: Record<string, unknown>): string | undefined {
  if (body.accountId !== account.accountId) return 'it names another account';
  if (body.applicationId !== account.applicationId) return 'it names another application';
  return undefined;
}

/** Whether the call is still ringing as far as this webhook tells: its arrival, or a ringing redirect. */
function ringing(kind: V2WebhookKind, query: WebhookQuery): boolean {
  return kind === 'initiate' || (kind === 'redirect' && readRedirectMarker(query)?.kind === 'ringing');
}

function sendBxml(reply: FastifyReply, document: string): FastifyReply {
  return reply.code(200).type('application/xml; charset=utf-8').send(document);
}

async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
