import { z } from 'zod';
import { CallError, CallErrorCode } from './call-errors.js';

/**
 * Validation of what clients ask for. It lives in the domain so every entry point (GraphQL today,
 * anything else later) refuses the same bad input with the same message, before anything is stored.
 */

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all (16 characters). */
const E164 = /^\+[1-9]\d{1,14}$/;

/** The longest `sip:` URI a call may be placed to. */
export const MAX_SIP_URI_LENGTH = 256;
// RFC 3261 §25.1, `sip:` only: user@host[:port] and URI parameters (`;transport=tcp`), without a
// password and without a headers part (`?Subject=…` would set SIP headers on Bandwidth's INVITE).
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const ESCAPED = '%[0-9A-Fa-f]{2}';
const SIP_USER = `(?:[${UNRESERVED}&=+$,]|${ESCAPED})+`;
const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const SIP_HOST = `(?:(?:${DOMAIN_LABEL}\\.)*${DOMAIN_LABEL}\\.?|\\[[0-9A-Fa-f:.]+\\])`;
const PARAM_CHAR = `(?:[${UNRESERVED}\\[\\]/:&+$]|${ESCAPED})`;
const SIP_URI = new RegExp(`^sip:${SIP_USER}@${SIP_HOST}(?::\\d{1,5})?(?:;${PARAM_CHAR}+(?:=${PARAM_CHAR}+)?)*$`, 'i');

const AUDIO_PATH = /\.(mp3|wav)$/i;
/** Printable ASCII without the space: what a URL (percent-encoded) and an idempotency key are written in. */
const VISIBLE_ASCII = /^[\x21-\x7E]+$/;

/** Our ids (`call_…`, `pb_…`) and anything a client may mistake for one: letters, digits, `_` and `-`. */
export const MAX_ID_LENGTH = 64;
const ID = /^[A-Za-z0-9_-]+$/;

const phoneNumber = z.string().regex(E164, 'must be an E.164 number such as +19195551212');
const destination = z
  .string()
  .max(MAX_SIP_URI_LENGTH, `must be at most ${MAX_SIP_URI_LENGTH} characters`)
  .refine(
    // Past the maximum the length alone answers, and no pattern runs over a huge string.
    (value) => value.length > MAX_SIP_URI_LENGTH || E164.test(value) || SIP_URI.test(value),
    'must be an E.164 number or a sip: URI (sip:user@host[:port][;parameters], no headers)',
  );

const callId = z
  .string()
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .regex(ID, 'must be a call id (letters, digits, _ and -)');

const audioFileUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  // URL parsing drops tabs and newlines silently; what is stored and sent must be what was checked.
  .regex(VISIBLE_ASCII, 'must be written in printable ASCII, without spaces (percent-encode the rest)')
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && AUDIO_PATH.test(url.pathname);
  }, 'must be an http(s) URL of an .mp3 or .wav file');

/** Lets a client retry a request without doing it twice; scoped to the client's API token. */
const idempotencyKey = z
  .string()
  .min(1)
  .max(128, 'must be at most 128 characters')
  .regex(VISIBLE_ASCII, 'must be printable ASCII without spaces')
  .optional();

const audio = z.object({ fileUrl: audioFileUrl, loop: z.boolean().default(false) });

export const createCallInput = z.object({
  from: phoneNumber,
  to: destination,
  audio: z.array(audio).max(100, 'at most 100 files can be queued at once').default([]),
  callTimeoutSeconds: z.number().int('must be a whole number').min(1).max(300).optional(),
  idempotencyKey,
});
export type CreateCallInput = z.input<typeof createCallInput>;

export const playAudioInput = z.object({
  callId,
  fileUrl: audioFileUrl,
  loop: z.boolean().default(false),
  interrupt: z.boolean().default(false),
  idempotencyKey,
});
export type PlayAudioInput = z.input<typeof playAudioInput>;

const callIdArguments = { callId: z.object({ callId }), id: z.object({ id: callId }) };

/** A call id as a client gave it, checked: throws `BAD_USER_INPUT` naming `field` when it cannot be one. */
export function validCallId(value: string, field: 'callId' | 'id' = 'callId'): string {
  validate(callIdArguments[field], { [field]: value });
  return value;
}

/** Parses input or throws a `BAD_USER_INPUT` error that names every offending field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  const summary = fields.map((f) => `${f.field || 'input'} ${f.message}`).join('; ');
  throw new CallError(CallErrorCode.BAD_USER_INPUT, `Invalid input: ${summary}`, { fields });
}
