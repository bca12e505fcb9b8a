import { z } from 'zod';
import { isCallAddress } from './call-address.js';
import { isAbsoluteHttpUrl } from './callback-url.js';
import { ControlError } from './control-error.js';
import { FAR_END_OUTCOMES, type FarEndScript } from './far-end.js';
import { MAX_BXML_TIME_SCALE, MAX_DELAY_MS, type AudioOverlap, type CallRateLimit } from './settings.js';

/**
 * Validation of control API bodies. Unknown fields are refused: a typo in a test's script should
 * fail loudly rather than silently run the default scenario.
 */

export function delay(field: string) {
  const message = `${field} must be an integer number of milliseconds between 0 and ${MAX_DELAY_MS}`;
  return z.number({ error: message }).int(message).min(0, message).max(MAX_DELAY_MS, message);
}

const httpUrl = (field: string) =>
  z.string({ error: `${field} must be a string` }).refine(isAbsoluteHttpUrl, `${field} must be an absolute http(s) URL`);

export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message))
    .join('; ');
  throw new ControlError(400, 'invalid-request', problems);
}

export const BODY_NOT_OBJECT = { error: 'The request body must be a JSON object' };

/** A whole number from `min` to `max`, with one message naming the field and the range. */
export function count(field: string, min: number, max: number) {
  const message = `${field} must be an integer between ${min} and ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

const callRateLimitSchema = z
  .object(
    {
      calls: count('callRateLimit.calls', 1, 1_000_000),
      perMs: count('callRateLimit.perMs', 1, MAX_DELAY_MS),
    },
    { error: 'callRateLimit must be an object {calls, perMs} or null' },
  )
  .strict();

const settingsPatchSchema = z
  .object(
    {
      answerDelayMs: delay('answerDelayMs').optional(),
      playbackDurationMs: delay('playbackDurationMs').optional(),
      remoteHangupDelayMs: delay('remoteHangupDelayMs').optional(),
      audioOverlap: z.enum(['replace', 'queue'], { error: 'audioOverlap must be replace or queue' }).optional(),
      /** `null` removes the URL. */
      incomingCallUrl: httpUrl('incomingCallUrl').nullable().optional(),
      /** `null` removes the limit. */
      callRateLimit: callRateLimitSchema.nullable().optional(),
      bxmlTimeScale: z
        .number({ error: `bxmlTimeScale must be a number from 0 to ${MAX_BXML_TIME_SCALE}` })
        .min(0, `bxmlTimeScale must be a number from 0 to ${MAX_BXML_TIME_SCALE}`)
        .max(MAX_BXML_TIME_SCALE, `bxmlTimeScale must be a number from 0 to ${MAX_BXML_TIME_SCALE}`)
        .optional(),
      oauthTokenTtlSeconds: count('oauthTokenTtlSeconds', 1, 86_400).optional(),
      callRecordsDelayMs: delay('callRecordsDelayMs').optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict();

export interface SettingsPatch {
  answerDelayMs?: number;
  playbackDurationMs?: number;
  remoteHangupDelayMs?: number;
  audioOverlap?: AudioOverlap;
  incomingCallUrl?: string | null;
  callRateLimit?: CallRateLimit | null;
  bxmlTimeScale?: number;
  oauthTokenTtlSeconds?: number;
  callRecordsDelayMs?: number;
}

export function parseSettingsPatch(body: unknown): SettingsPatch {
  return parseOrThrow(settingsPatchSchema, body ?? {});
}

const scriptSchema = z
  .object(
    {
      outcome: z.enum(FAR_END_OUTCOMES, { error: `outcome must be one of ${FAR_END_OUTCOMES.join(', ')}` }),
      afterMs: delay('afterMs').optional(),
      hangupAfterMs: delay('hangupAfterMs').optional(),
      answerBeforeCreateResponse: z.boolean({ error: 'answerBeforeCreateResponse must be true or false' }).optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict()
  .refine((script) => script.outcome === 'answer' || (script.hangupAfterMs === undefined && script.answerBeforeCreateResponse === undefined), {
    error: 'hangupAfterMs and answerBeforeCreateResponse only apply to the answer outcome',
  });

export function parseScript(to: string, body: unknown): FarEndScript {
  if (!isCallAddress(to)) {
    throw new ControlError(400, 'invalid-request', `${to} is not an E.164 number or sip: URI (write + as %2B in the path)`);
  }
  return parseOrThrow(scriptSchema, body);
}

const hangupSchema = z
  .object(
    {
      cause: z
        .string()
        .regex(/^([A-Z][A-Z_]*|[a-z][a-z-]*)$/, 'cause must be a v1 hangup cause such as NORMAL_CLEARING or a v2 disconnect cause such as callback-error')
        .optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict();

export function parseFarEndHangup(body: unknown): { cause: string } {
  return { cause: parseOrThrow(hangupSchema, body ?? {}).cause ?? 'NORMAL_CLEARING' };
}

const dtmfSchema = z
  .object({ digit: z.string({ error: 'digit is required' }).regex(/^[0-9*#A-D]$/, 'digit must be one of 0-9, *, #, A-D') }, BODY_NOT_OBJECT)
  .strict();

export function parseDtmf(body: unknown): { digit: string } {
  return parseOrThrow(dtmfSchema, body);
}

const incomingSchema = z
  .object(
    {
      from: z.string({ error: 'from is required' }).min(1, 'from must not be empty'),
      to: z.string({ error: 'to is required' }).refine(isCallAddress, 'to must be an E.164 number or a sip: URI'),
      url: httpUrl('url').optional(),
      /** Which API version announces the call; v1 when omitted. */
      api: z.enum(['v1', 'v2'], { error: 'api must be v1 or v2' }).optional(),
      /** v2: the application the number belongs to; the first configured one when omitted. */
      applicationId: z.string({ error: 'applicationId must be a string' }).min(1, 'applicationId must not be empty').optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict()
  .refine((incoming) => incoming.applicationId === undefined || incoming.api === 'v2', { error: 'applicationId only applies to api v2' });

export interface IncomingCallInput {
  from: string;
  to: string;
  url?: string;
  api?: 'v1' | 'v2';
  applicationId?: string;
}

export function parseIncomingCall(body: unknown): IncomingCallInput {
  return parseOrThrow(incomingSchema, body);
}

const requestsQuerySchema = z.object({
  callId: z.string({ error: 'callId must be given once' }).optional(),
  path: z.string({ error: 'path must be given once' }).optional(),
});

export function parseRequestsQuery(query: unknown): { callId?: string; path?: string } {
  return parseOrThrow(requestsQuerySchema, query ?? {});
}
