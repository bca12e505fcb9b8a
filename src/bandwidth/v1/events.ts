import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CallSignal, ProviderEvent } from '../../calls/call-signal.js';

/** An event type this adapter does not know (conference events, SDK-only `reject`, future types): recorded, not acted on. */
export interface UnknownBandwidthEvent {
  known: false;
  eventType: string;
  callId: string;
  [field: string]: unknown;
}

/**
 * A documented event, typed from its schema below (`known` tells it from an
 * {@link UnknownBandwidthEvent}); fields the reference does not list are kept as they came.
 */
export type KnownBandwidthEvent = { [K in KnownEventType]: z.infer<(typeof knownSchemas)[K]> & { known: true } }[KnownEventType];

export type BandwidthEvent = KnownBandwidthEvent | UnknownBandwidthEvent;

type ParseBandwidthEventResult = { ok: true; event: BandwidthEvent } | { ok: false; error: string };

/**
 * JSON Schema for the webhook route (Fastify `schema.body`, or `schema.querystring` for GET-mode
 * callbacks): rejects what cannot be routed to a call before the handler runs, keeps every other field.
 */
export const bandwidthWebhookBodySchema = {
  type: 'object',
  required: ['eventType', 'callId'],
  properties: {
    // Longest documented type is 19 characters; the cap only bounds what gets logged and stored.
    eventType: { type: 'string', minLength: 1, maxLength: 64 },
    // Call ids are `c-` + 23 characters; 256 leaves room for other id schemes (e.g. a simulator's).
    callId: { type: 'string', minLength: 1, maxLength: 256 },
  },
  additionalProperties: true,
} as const;

// Optional fields that arrive with the wrong type are dropped from the typed event rather than
// failing the delivery; the payload as received still has them.
const optionalText = z.string().optional().catch(undefined);
const optionalCount = z
  .preprocess((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value), z.number())
  .optional()
  .catch(undefined);
const optionalDiversion = z
  // GET-mode callbacks carry nested objects as JSON text (§6.1).
  .preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    },
    z.looseObject({
      origTo: optionalText,
      reason: optionalText,
      screen: optionalText,
      privacy: optionalText,
      counter: z.union([z.string(), z.number()]).optional().catch(undefined),
      limit: z.union([z.string(), z.number()]).optional().catch(undefined),
    }),
  )
  .optional()
  .catch(undefined);

/**
 * Bandwidth v1 call events as delivered to a `callbackUrl` (reference §6).
 *
 * Required fields are only those an event cannot be understood without (who is calling, which
 * playback status, which digit, …); everything else the reference lists is optional, because a
 * rejected webhook is an event lost.
 */
const base = {
  callId: z.string().min(1),
  /** URL of the call resource. */
  callUri: optionalText,
  /** ISO 8601 UTC. */
  time: optionalText,
  /** The call's tag on call events, the audio request's tag on playback/speak events. */
  tag: optionalText,
};

const knownSchemas = {
  // §6.7
  incomingcall: z.looseObject({
    ...base,
    eventType: z.literal('incomingcall'),
    from: z.string(),
    to: z.string(),
    callState: optionalText,
    applicationId: optionalText,
    diversion: optionalDiversion,
  }),
  // §6.3 (and `diversion`: how a call reached us when it was forwarded)
  answer: z.looseObject({
    ...base,
    eventType: z.literal('answer'),
    from: optionalText,
    to: optionalText,
    callState: optionalText,
    diversion: optionalDiversion,
  }),
  // §6.4: status `started` or `done`
  playback: z.looseObject({ ...base, eventType: z.literal('playback'), status: z.string() }),
  // §6.5: status `started` or `done`, state `PLAYBACK_START` or `PLAYBACK_STOP`
  speak: z.looseObject({ ...base, eventType: z.literal('speak'), status: z.string(), state: optionalText }),
  // §6.9
  dtmf: z.looseObject({ ...base, eventType: z.literal('dtmf'), dtmfDigit: z.string() }),
  // §6.10: reason `max-digits`, `terminating-digit`, `inter-digit-timeout` or `hung-up`
  gather: z.looseObject({
    ...base,
    eventType: z.literal('gather'),
    state: optionalText,
    digits: optionalText,
    reason: optionalText,
    gatherId: optionalText,
  }),
  // §6.8
  timeout: z.looseObject({ ...base, eventType: z.literal('timeout'), from: optionalText, to: optionalText }),
  // §6.6; a rejected call also arrives as a hangup, with cause `CALL_REJECTED`
  hangup: z.looseObject({
    ...base,
    eventType: z.literal('hangup'),
    from: optionalText,
    to: optionalText,
    cause: optionalText,
    callState: optionalText,
  }),
  // §6.11
  recording: z.looseObject({
    ...base,
    eventType: z.literal('recording'),
    recordingId: z.string(),
    recordingUri: optionalText,
    state: optionalText,
    status: optionalText,
    startTime: optionalText,
    endTime: optionalText,
  }),
  // §6.11
  transcription: z.looseObject({
    ...base,
    eventType: z.literal('transcription'),
    transcriptionId: z.string(),
    recordingId: optionalText,
    state: optionalText,
    status: optionalText,
    textSize: optionalCount,
    text: optionalText,
    textUrl: optionalText,
    transcriptionUri: optionalText,
  }),
};

type KnownEventType = keyof typeof knownSchemas;

/** The body each parsed event came from, so the log gets it exactly as received. */
const receivedPayloads = new WeakMap<BandwidthEvent, Record<string, unknown>>();

/**
 * Validates one webhook delivery. Fails only when the delivery cannot be attributed to a call
 * (not an object, no `callId`/`eventType`) or a documented type lacks a field it cannot be read
 * without; unknown event types parse, so that new Bandwidth events are recorded instead of refused.
 */
export function parseBandwidthEvent(body: unknown): ParseBandwidthEventResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'webhook payload must be a JSON object' };
  }
  const payload = body as Record<string, unknown>;
  for (const field of ['eventType', 'callId'] as const) {
    const value = payload[field];
    if (value === undefined) return { ok: false, error: `field "${field}" is missing` };
    if (typeof value !== 'string' || value.trim() === '') {
      return { ok: false, error: `field "${field}" must be a non-empty string` };
    }
  }
  const eventType = payload.eventType as string;

  let event: BandwidthEvent;
  if (Object.hasOwn(knownSchemas, eventType)) {
    const parsed = knownSchemas[eventType as KnownEventType].safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      return { ok: false, error: `${eventType} event: field "${field}": ${issue?.message ?? 'invalid'}` };
    }
    event = { ...parsed.data, known: true };
  } else {
    event = { ...payload, eventType, callId: payload.callId as string, known: false };
  }
  receivedPayloads.set(event, payload);
  return { ok: true, event };
}

/** Reduces a Bandwidth event to what the call domain acts on, keeping the payload for the log. */
export function toProviderEvent(event: BandwidthEvent, receivedAt: Date): ProviderEvent {
  const payload = receivedPayloads.get(event) ?? withoutKnownFlag(event);
  const tag = typeof event.tag === 'string' && event.tag !== '' ? event.tag : undefined;
  return {
    type: event.eventType,
    providerCallId: event.callId,
    ...(tag === undefined ? {} : { tag }),
    occurredAt: parseEventTime(event.time) ?? receivedAt,
    signal: signalOf(event),
    payload,
    dedupeKey: createHash('sha256').update(canonicalJson(payload)).digest('hex'),
  };
}

function signalOf(event: BandwidthEvent): CallSignal {
  if (!event.known) return { kind: 'informational' };
  switch (event.eventType) {
    case 'incomingcall':
      return { kind: 'incoming', from: event.from, to: event.to };
    case 'answer':
      return { kind: 'answered' };
    case 'playback':
      if (event.status === 'started') return { kind: 'playback-started' };
      if (event.status === 'done') return { kind: 'playback-done' };
      return { kind: 'informational' };
    case 'hangup':
      return { kind: 'ended', cause: event.cause || 'UNKNOWN' };
    case 'timeout':
      return { kind: 'timed-out' };
    default:
      return { kind: 'informational' };
  }
}

/** Only full ISO 8601 dates count: `Date.parse` would otherwise turn text like "5" into a year. */
function parseEventTime(time: unknown): Date | undefined {
  if (typeof time !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(time)) return undefined;
  const millis = Date.parse(time);
  return Number.isFinite(millis) ? new Date(millis) : undefined;
}

/** For events built by hand rather than parsed: the event minus our own flag is its payload. */
function withoutKnownFlag(event: BandwidthEvent): Record<string, unknown> {
  const { known: _known, ...payload } = event;
  return payload;
}

/**
 * JSON with object keys sorted at every level, so that the same event redelivered with its fields
 * in another order hashes the same. Array order is meaningful and kept.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined && typeof record[key] !== 'function' && typeof record[key] !== 'symbol')
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}
