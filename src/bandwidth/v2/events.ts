import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CallSignal, ProviderEvent } from '../../calls/call-signal.js';
import { readRedirectMarker, type RedirectMarker, type WebhookQuery } from './webhook-urls.js';

/**
 * Bandwidth v2 webhooks (reference §8) in the domain's terms. Each route receives one kind; a body
 * whose `eventType` is not that kind is refused. Fields this adapter reads are required and typed;
 * every other field is optional, kept as it came, and a wrong type on one of those is dropped from
 * the typed view rather than failing the delivery (a refused synchronous webhook hangs the call up).
 */
export type V2WebhookKind = 'answer' | 'initiate' | 'redirect' | 'disconnect';

export type V2WebhookResult = { ok: true; event: ProviderEvent } | { ok: false; error: string };

const optionalText = z.string().optional().catch(undefined);
/** Only full ISO 8601 dates count: `Date.parse` would otherwise turn text like "5" into a year. */
const eventTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T/, 'must be an ISO 8601 date-time');

const common = {
  eventTime,
  callId: z.string().min(1).max(256),
  accountId: optionalText,
  applicationId: optionalText,
  from: optionalText,
  to: optionalText,
  direction: optionalText,
  callUrl: optionalText,
  enqueuedTime: optionalText,
  startTime: optionalText,
  answerTime: optionalText,
  tag: optionalText,
};

const schemas = {
  /** §8.5, outbound answered; `tag` is our call id. */
  answer: z.looseObject({ ...common, eventType: z.literal('answer') }),
  /** §8.4, inbound arrived: who calls whom is what a new call is made of. */
  initiate: z.looseObject({ ...common, eventType: z.literal('initiate'), from: z.string().min(1), to: z.string().min(1) }),
  /** §8.7; what it means is in our query markers, not the body. */
  redirect: z.looseObject({ ...common, eventType: z.literal('redirect'), parentCallId: optionalText }),
  /** §8.6; `cause` is required: the ending depends on it. */
  disconnect: z.looseObject({
    ...common,
    eventType: z.literal('disconnect'),
    endTime: optionalText,
    cause: z.string().min(1),
    errorMessage: optionalText,
    errorId: optionalText,
  }),
} satisfies Record<V2WebhookKind, z.ZodType>;

/**
 * Validates one delivery to the `kind` route and reduces it to a {@link ProviderEvent}. The
 * payload in the event is the body as received; `query` is the webhook URL's query, which carries
 * the markers our `<Redirect>`s put there.
 */
export function toProviderEvent(kind: V2WebhookKind, body: unknown, query: WebhookQuery = {}, receivedAt = new Date()): V2WebhookResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'webhook payload must be a JSON object' };
  }
  const payload = body as Record<string, unknown>;
  const parsed = schemas[kind].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${kind} webhook: field "${issue?.path.map(String).join('.') ?? ''}": ${issue?.message ?? 'invalid'}` };
  }
  const data = parsed.data;
  const marker = kind === 'redirect' ? readRedirectMarker(query) : undefined;
  const callTag = data.tag !== undefined && data.tag !== '' ? data.tag : undefined;
  // On a file's redirect the tag names the playback (the domain finds the call through it); the
  // call's own tag, our call id, is still in the payload.
  const tag = marker?.kind === 'playback' ? marker.playbackId : callTag;
  const occurredAt = new Date(Date.parse(data.eventTime));
  return {
    ok: true,
    event: {
      type: data.eventType,
      providerCallId: data.callId,
      ...(tag === undefined ? {} : { tag }),
      occurredAt: Number.isNaN(occurredAt.getTime()) ? receivedAt : occurredAt,
      signal: signalOf(data, marker),
      // Which of our <Redirect>s fired is in the URL, not the body: the log keeps it beside the body.
      payload: marker === undefined ? payload : { ...payload, redirectMarker: marker },
      dedupeKey: dedupeKey(data.eventType, data.callId, data.eventTime, marker),
    },
  };
}

function signalOf(data: z.infer<(typeof schemas)[V2WebhookKind]>, marker: RedirectMarker | undefined): CallSignal {
  switch (data.eventType) {
    case 'answer':
      return { kind: 'answered' };
    case 'initiate':
      return { kind: 'incoming', from: data.from, to: data.to };
    case 'disconnect':
      // The v2 word as sent; the domain maps hangup/busy/timeout/cancel/rejected, anything else is an error.
      return { kind: 'ended', cause: data.cause };
    case 'redirect':
      switch (marker?.kind) {
        case 'playback':
          return marker.loop ? { kind: 'playback-looped' } : { kind: 'playback-done' };
        default:
          // hold, ringing, or a redirect we did not ask for: recorded, nothing to act on.
          return { kind: 'informational' };
      }
  }
}

/**
 * v2 deliveries carry no event id. A redelivery repeats the event's type, call and `eventTime`; two
 * different `<Redirect>`s of one call differ in `eventTime` and usually in our markers.
 */
function dedupeKey(eventType: string, callId: string, time: string, marker: RedirectMarker | undefined): string {
  const markers = marker === undefined ? '' : JSON.stringify(marker);
  return createHash('sha256').update(JSON.stringify(['bandwidth-v2', eventType, callId, time, markers])).digest('hex');
}

/**
 * JSON Schema for the routes (Fastify `schema.body`): refuses what cannot be routed to a call
 * before the handler runs and keeps every other field.
 */
export const bandwidthV2WebhookBodySchema = {
  type: 'object',
  required: ['eventType', 'callId', 'eventTime'],
  properties: {
    eventType: { type: 'string', minLength: 1, maxLength: 64 },
    callId: { type: 'string', minLength: 1, maxLength: 256 },
    eventTime: { type: 'string', minLength: 1, maxLength: 64 },
  },
  additionalProperties: true,
} as const;
