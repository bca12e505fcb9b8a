import { z } from 'zod';
import type { CallbackHttpMethod } from '../core/callback-attempt.js';
import { E164_NUMBER, isCallAddress } from '../core/call-address.js';
import { isAbsoluteHttpUrl, withoutCredentials } from '../core/callback-url.js';
import { ApiError, validationError } from './api-error.js';

/**
 * Validation of the `/v1` request bodies and queries. JSON `null` means "not set" for every
 * optional field, because the Python SDK sends all unset fields as `null`.
 */

function notSet<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined);
}

/** Says "is required" when the field is missing and "`field` `expectation`" when it has the wrong type. */
function required(field: string, expectation: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? `${field} is required` : `${field} ${expectation}`) };
}

function text(field: string) {
  return z.string({ error: `${field} must be a string` });
}

function integer(field: string, min: number, max: number, unit: string) {
  const message = `${field} must be an integer ${unit} between ${min} and ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

const BODY_NOT_OBJECT = { error: 'The request body must be a JSON object' };

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => issue.message).join('; ');
  throw validationError(`Invalid ${what}: ${problems}`);
}

const createCallSchema = z.object(
  {
    from: z.string(required('from', 'must be a string')).regex(E164_NUMBER, 'from must be an E.164 phone number such as +19195551212'),
    to: z.string(required('to', 'must be a string')).refine(isCallAddress, 'to must be an E.164 phone number or a sip: URI'),
    callTimeout: notSet(integer('callTimeout', 1, 300, 'number of seconds')),
    callbackUrl: notSet(text('callbackUrl')),
    fallbackUrl: notSet(text('fallbackUrl')),
    callbackTimeout: notSet(integer('callbackTimeout', 1, 10_000, 'number of milliseconds')),
    callbackHttpMethod: notSet(text('callbackHttpMethod').regex(/^(get|post)$/i, 'callbackHttpMethod must be GET or POST')),
    tag: notSet(text('tag')),
  },
  BODY_NOT_OBJECT,
);

interface CreateCallInput {
  from: string;
  to: string;
  callTimeout: number;
  callbackUrl?: string;
  fallbackUrl?: string;
  callbackTimeout: number;
  callbackHttpMethod: CallbackHttpMethod;
  tag?: string;
}

/** Refuses a callback URL the platform could not call, without echoing its credentials. */
function checkCallbackUrl(field: 'callbackUrl' | 'fallbackUrl', value: string | undefined): void {
  if (value !== undefined && !isAbsoluteHttpUrl(value)) {
    throw new ApiError(400, 'bad-request', 'callback-invalid-url', `The URL ${withoutCredentials(value)} is not a valid ${field}`);
  }
}

/** Validates `POST /calls` and fills in the documented defaults. */
export function parseCreateCall(body: unknown): CreateCallInput {
  const input = parseOrThrow(createCallSchema, body, 'call');
  checkCallbackUrl('callbackUrl', input.callbackUrl);
  checkCallbackUrl('fallbackUrl', input.fallbackUrl);
  return {
    from: input.from,
    to: input.to,
    callTimeout: input.callTimeout ?? 60,
    callbackUrl: input.callbackUrl,
    fallbackUrl: input.fallbackUrl,
    callbackTimeout: input.callbackTimeout ?? 10_000,
    callbackHttpMethod: (input.callbackHttpMethod?.toLowerCase() ?? 'post') as CallbackHttpMethod,
    tag: input.tag,
  };
}

const updateCallSchema = z.object(
  {
    state: notSet(
      z.enum(['active', 'rejected', 'completed'], {
        error: (issue) =>
          issue.input === 'transferring'
            ? 'state transferring (call transfer) is not simulated'
            : 'state must be one of active, rejected, completed',
      }),
    ),
    tag: notSet(text('tag')),
    callbackUrl: notSet(text('callbackUrl')),
  },
  BODY_NOT_OBJECT,
);

type CallUpdate = z.output<typeof updateCallSchema>;

/** Validates `POST /calls/{callId}`; omitted (or `null`) fields stay unchanged. */
export function parseCallUpdate(body: unknown): CallUpdate {
  const update = parseOrThrow(updateCallSchema, body ?? {}, 'call update');
  checkCallbackUrl('callbackUrl', update.callbackUrl);
  return update;
}

const audioSchema = z.object(
  {
    fileUrl: notSet(text('fileUrl')),
    sentence: notSet(text('sentence').max(1000, 'sentence must be at most 1000 characters')),
    loopEnabled: notSet(
      z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], {
        error: 'loopEnabled must be true or false',
      }),
    ),
    tag: notSet(text('tag')),
    gender: notSet(text('gender').regex(/^(female|male)$/i, 'gender must be female or male')),
    locale: notSet(text('locale')),
    voice: notSet(text('voice')),
    volume: notSet(integer('volume', -4, 4, 'level')),
  },
  BODY_NOT_OBJECT,
);

/** What an audio request asks for: play or stop a file, or speak or stop a sentence. */
export type AudioRequest =
  | { kind: 'playback'; fileUrl: string; loop: boolean; tag?: string }
  | { kind: 'speak'; sentence: string; loop: boolean; tag?: string };

/** Validates `POST /calls/{callId}/audio`; an empty `fileUrl`/`sentence` asks to stop. */
export function parseAudioRequest(body: unknown): AudioRequest {
  const audio = parseOrThrow(audioSchema, body, 'audio request');
  const loop = audio.loopEnabled ?? false;
  if (audio.fileUrl !== undefined && audio.sentence !== undefined) {
    throw validationError('Invalid audio request: give either fileUrl or sentence, not both');
  }
  if (audio.fileUrl !== undefined) return { kind: 'playback', fileUrl: audio.fileUrl, loop, tag: audio.tag };
  if (audio.sentence !== undefined) return { kind: 'speak', sentence: audio.sentence, loop, tag: audio.tag };
  throw validationError('Invalid audio request: fileUrl or sentence is required');
}

const MAX_PAGE_SIZE = 1000;

function queryInteger(field: string, min: number, max: number) {
  const message = `${field} must be an integer between ${min} and ${max}`;
  return z
    .string({ error: message })
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= max, message);
}

const listCallsSchema = z.object({
  page: queryInteger('page', 0, Number.MAX_SAFE_INTEGER).optional(),
  size: queryInteger('size', 1, MAX_PAGE_SIZE).optional(),
  sortOrder: text('sortOrder')
    .regex(/^(asc|desc)$/i, 'sortOrder must be asc or desc')
    .transform((value) => value.toLowerCase() as 'asc' | 'desc')
    .optional(),
  from: text('from').optional(),
  to: text('to').optional(),
  bridgeId: text('bridgeId').optional(),
  conferenceId: text('conferenceId').optional(),
});

export interface ListCallsQuery {
  page: number;
  size: number;
  sortOrder: 'asc' | 'desc';
  from?: string;
  to?: string;
  /** Set when filtering by bridge or conference, which the simulator has none of. */
  inBridgeOrConference: boolean;
}

/** Validates the `GET /calls` query and fills in the documented defaults (page 0, size 25, desc). */
export function parseListCallsQuery(query: unknown): ListCallsQuery {
  const parsed = parseOrThrow(listCallsSchema, query ?? {}, 'query');
  return {
    page: parsed.page ?? 0,
    size: parsed.size ?? 25,
    sortOrder: parsed.sortOrder ?? 'desc',
    from: parsed.from,
    to: parsed.to,
    inBridgeOrConference: parsed.bridgeId !== undefined || parsed.conferenceId !== undefined,
  };
}
