import { z } from 'zod';
import { E164_NUMBER, isCallAddress } from '../core/call-address.js';
import { isAbsoluteHttpUrl } from '../core/callback-url.js';
import { validationError } from './api-error.js';
import type { WebhookMethod } from './bxml-parser.js';

/**
 * Validation of v2 request bodies and queries, with the limits of the spec (bandwidth-v2.md §3.1,
 * §4.2, §5.1). JSON `null` means "not set", as the spec marks these fields nullable. Unknown
 * fields are ignored, as Bandwidth's own API does with fields it does not use.
 */

const MAX_URL = 2048;
const MAX_CREDENTIAL = 1024;
const MAX_TAG = 4096;

/** Webhook credentials need https, except to a receiver on this machine (tests, local development). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => (value === null ? undefined : value));
}

const url = (field: string) =>
  z
    .string({ error: `Invalid ${field}: must be a string` })
    .max(MAX_URL, `Invalid ${field}: at most ${MAX_URL} characters`)
    .refine(isAbsoluteHttpUrl, `Invalid ${field}: only http and https are allowed.`);

const credential = (field: string) => z.string({ error: `Invalid ${field}: must be a string` }).max(MAX_CREDENTIAL, `Invalid ${field}: at most ${MAX_CREDENTIAL} characters`);

const method = (field: string) =>
  z
    .string({ error: `Invalid ${field}: must be GET or POST` })
    .refine((value) => /^(get|post)$/i.test(value), `Invalid ${field}: must be GET or POST`)
    .transform((value) => value.toLowerCase() as WebhookMethod);

const seconds = (field: string, min: number, max: number) =>
  z
    .number({ error: `Invalid ${field}: must be a number from ${min} to ${max}` })
    .min(min, `Invalid ${field}: must be a number from ${min} to ${max}`)
    .max(max, `Invalid ${field}: must be a number from ${min} to ${max}`);

const tag = z.string({ error: 'Invalid tag: must be a string' }).max(MAX_TAG, `Invalid tag: at most ${MAX_TAG} characters`);

const createCallSchema = z.object(
  {
    from: z.string({ error: 'Invalid from: must be an E164 telephone number' }).regex(E164_NUMBER, 'Invalid from: must be an E164 telephone number'),
    to: z.string({ error: 'Invalid to: must be an E164 telephone number or a SIP URI' }).refine(isCallAddress, 'Invalid to: must be an E164 telephone number or a SIP URI'),
    applicationId: z.string({ error: 'Invalid applicationId: required' }).min(1, 'Invalid applicationId: required'),
    answerUrl: url('answerUrl'),
    answerMethod: optional(method('answerMethod')),
    username: optional(credential('username')),
    password: optional(credential('password')),
    answerFallbackUrl: optional(url('answerFallbackUrl')),
    answerFallbackMethod: optional(method('answerFallbackMethod')),
    fallbackUsername: optional(credential('fallbackUsername')),
    fallbackPassword: optional(credential('fallbackPassword')),
    disconnectUrl: optional(url('disconnectUrl')),
    disconnectMethod: optional(method('disconnectMethod')),
    callTimeout: optional(seconds('callTimeout', 1, 300)),
    callbackTimeout: optional(seconds('callbackTimeout', 1, 25)),
    tag: optional(tag),
    priority: optional(z.number({ error: 'Invalid priority: must be an integer from 1 to 5' }).int('Invalid priority: must be an integer from 1 to 5').min(1, 'Invalid priority: must be an integer from 1 to 5').max(5, 'Invalid priority: must be an integer from 1 to 5')),
    privacy: optional(z.boolean({ error: 'Invalid privacy: must be true or false' })),
    displayName: optional(z.string({ error: 'Invalid displayName: must be a string' }).max(256, 'Invalid displayName: at most 256 characters')),
    uui: optional(z.string({ error: 'Invalid uui: must be a string' }).max(350, 'Invalid uui: at most 350 characters')),
  },
  { error: 'The request body must be a JSON object' },
);

export type CreateCallInput = z.output<typeof createCallSchema>;

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue.code === 'invalid_type' && issue.path.length === 1 && issue.input === undefined) return `Invalid ${String(issue.path[0])}: required`;
  return issue.message;
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(firstProblem(result.error));
  return result.data;
}

function needsHttps(value: string | undefined): boolean {
  if (value === undefined) return false;
  const target = new URL(value);
  return target.protocol !== 'https:' && !LOOPBACK_HOSTS.has(target.hostname);
}

/** `POST …/calls`; webhook credentials need an https URL (§3.1) unless it is on loopback. */
export function parseCreateCall(body: unknown): CreateCallInput {
  const input = parseOrThrow(createCallSchema, body);
  if ((input.username !== undefined || input.password !== undefined) && (needsHttps(input.answerUrl) || needsHttps(input.disconnectUrl))) {
    throw validationError('Invalid answerUrl: must be https when username and password are set');
  }
  if ((input.fallbackUsername !== undefined || input.fallbackPassword !== undefined) && needsHttps(input.answerFallbackUrl)) {
    throw validationError('Invalid answerFallbackUrl: must be https when fallbackUsername and fallbackPassword are set');
  }
  return input;
}

const updateCallSchema = z.object(
  {
    state: optional(z.enum(['active', 'completed'], { error: 'Invalid state: must be active or completed' })),
    redirectUrl: optional(url('redirectUrl')),
    redirectMethod: optional(method('redirectMethod')),
    username: optional(credential('username')),
    password: optional(credential('password')),
    redirectFallbackUrl: optional(url('redirectFallbackUrl')),
    redirectFallbackMethod: optional(method('redirectFallbackMethod')),
    fallbackUsername: optional(credential('fallbackUsername')),
    fallbackPassword: optional(credential('fallbackPassword')),
    tag: optional(tag),
  },
  { error: 'The request body must be a JSON object' },
);

export type UpdateCallInput = z.output<typeof updateCallSchema> & { state: 'active' | 'completed' };

/** `POST …/calls/{callId}`: `active` (the default) needs a `redirectUrl`; `completed` takes nothing else that redirects. */
export function parseUpdateCall(body: unknown): UpdateCallInput {
  const input = parseOrThrow(updateCallSchema, body ?? {});
  const state = input.state ?? 'active';
  if (state === 'active' && input.redirectUrl === undefined) throw validationError('Invalid redirectUrl: required when state is active');
  if (state === 'completed' && (input.redirectUrl !== undefined || input.redirectMethod !== undefined || input.tag !== undefined)) {
    throw validationError('Invalid request: redirectUrl, redirectMethod and tag are not allowed when state is completed');
  }
  return { ...input, state };
}

const isoTime = (field: string) =>
  z
    .string({ error: `Invalid ${field}: must be given once` })
    .refine((value) => !Number.isNaN(Date.parse(value)), `Invalid ${field}: must be an ISO 8601 time`)
    .transform((value) => new Date(value));

const listQuerySchema = z.object({
  to: z.string({ error: 'Invalid to: must be given once' }).optional(),
  from: z.string({ error: 'Invalid from: must be given once' }).optional(),
  minStartTime: isoTime('minStartTime').optional(),
  maxStartTime: isoTime('maxStartTime').optional(),
  disconnectCause: z.string({ error: 'Invalid disconnectCause: must be given once' }).optional(),
  pageSize: z
    .string({ error: 'Invalid pageSize: must be given once' })
    .regex(/^\d+$/, 'Invalid pageSize: must be an integer from 1 to 10000')
    .transform(Number)
    .refine((value) => value >= 1 && value <= 10_000, 'Invalid pageSize: must be an integer from 1 to 10000')
    .optional(),
  pageToken: z.string({ error: 'Invalid pageToken: must be given once' }).regex(/^\d+$/, 'Invalid pageToken').transform(Number).optional(),
});

export interface ListCallsQuery {
  to?: string;
  from?: string;
  minStartTime?: Date;
  maxStartTime?: Date;
  disconnectCause?: string;
  pageSize: number;
  /** Where the page starts; the simulator's page tokens are offsets. */
  offset: number;
}

export function parseListCallsQuery(query: unknown): ListCallsQuery {
  const parsed = parseOrThrow(listQuerySchema, query ?? {});
  return { ...parsed, pageSize: parsed.pageSize ?? 1000, offset: parsed.pageToken ?? 0 };
}
