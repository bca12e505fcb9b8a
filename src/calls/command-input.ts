import { z } from 'zod';
import { CallError, CallErrorCode } from './call-errors.js';

/**
 * Validation of what clients ask for. It lives in the domain so every entry point (GraphQL today,
 * anything else later) refuses the same bad input with the same message, before anything is stored.
 */

const E164 = /^\+[1-9]\d{1,14}$/;
const SIP_URI = /^sip:[^@\s:]+@[^\s@]+$/i;
const AUDIO_PATH = /\.(mp3|wav)$/i;

const phoneNumber = z.string().regex(E164, 'must be an E.164 number such as +19195551212');
const destination = z
  .string()
  .refine((value) => E164.test(value) || SIP_URI.test(value), 'must be an E.164 number or a sip: URI (sip:user@host)');

const audioFileUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && AUDIO_PATH.test(url.pathname);
  }, 'must be an http(s) URL of an .mp3 or .wav file');

/** Lets a client retry a request without doing it twice; scoped to the client's API token. */
const idempotencyKey = z.string().min(1).max(128, 'must be at most 128 characters').optional();

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
  callId: z.string().min(1),
  fileUrl: audioFileUrl,
  loop: z.boolean().default(false),
  interrupt: z.boolean().default(false),
  idempotencyKey,
});
export type PlayAudioInput = z.input<typeof playAudioInput>;

/** Parses input or throws a `BAD_USER_INPUT` error that names every offending field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  const summary = fields.map((f) => `${f.field || 'input'} ${f.message}`).join('; ');
  throw new CallError(CallErrorCode.BAD_USER_INPUT, `Invalid input: ${summary}`, { fields });
}
