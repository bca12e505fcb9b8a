import { z } from 'zod';
import type { ApiFaultRule } from './api-faults.js';
import type { CallbackFaultConfig } from './callback-faults.js';
import { ControlError } from './control-error.js';
import { BODY_NOT_OBJECT, count, delay, parseOrThrow } from './control-schemas.js';

/**
 * Validation of the fault injection bodies. Unknown fields are refused like everywhere in the
 * control API: a misspelt fault that silently did nothing would make a reliability test pass for
 * the wrong reason.
 */

/** Beyond this, a fault floods the receiver rather than tests it. */
const MAX_REPEATS = 100;

/** RFC 9110 token: what Node accepts as a header name, so a bad rule fails here, not mid-request. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const errorFieldsSchema = z
  .object(
    {
      category: z.string({ error: 'body.category must be a string' }).optional(),
      code: z.string({ error: 'body.code must be a string' }).optional(),
      message: z.string({ error: 'body.message must be a string' }).optional(),
      type: z.string({ error: 'body.type must be a string' }).optional(),
      description: z.string({ error: 'body.description must be a string' }).optional(),
      id: z.string({ error: 'body.id must be a string or null' }).nullable().optional(),
    },
    { error: 'body must be an object {category?, code?, message?} (v1) or {type?, description?, id?} (v2)' },
  )
  .strict();

const headersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'headers names must be valid HTTP header names'),
    z.string({ error: 'headers values must be strings' }).regex(/^[^\r\n]*$/, 'headers values must be on one line'),
    { error: 'headers must be an object of strings' },
  );

const statusAction = z
  .object({
    type: z.literal('status'),
    status: count('status', 400, 599),
    body: errorFieldsSchema.optional(),
    headers: headersSchema.optional(),
    resetAfterMs: delay('resetAfterMs').optional(),
    process: z.boolean({ error: 'process must be true or false' }).optional(),
  })
  .strict()
  .refine((action) => action.resetAfterMs === undefined || action.status === 429, {
    error: 'resetAfterMs only applies to status 429',
  });

const delayAction = z
  .object({
    type: z.literal('delay'),
    delayMs: delay('delayMs'),
    process: z.boolean({ error: 'process must be true or false' }).optional(),
  })
  .strict();

const actionSchema = z.discriminatedUnion(
  'type',
  [statusAction, z.object({ type: z.literal('reset') }).strict(), z.object({ type: z.literal('reset-after-processing') }).strict(), delayAction],
  { error: 'action must be an object whose type is status, reset, reset-after-processing or delay' },
);

const ruleSchema = z
  .object(
    {
      api: z.enum(['v1', 'v2'], { error: 'api must be v1 or v2' }).optional(),
      method: z.string({ error: 'method must be a string' }).regex(/^[A-Za-z]+$/, 'method must be an HTTP method such as POST').optional(),
      path: z.string({ error: 'path must be a string' }).min(1, 'path must not be empty').optional(),
      times: count('times', 1, Number.MAX_SAFE_INTEGER).optional(),
      action: actionSchema,
    },
    { error: 'each rule must be an object {api?, method?, path?, times?, action}' },
  )
  .strict();

/** Validates `PUT /control/faults/api`: a JSON array of rules; a message names the rule at fault. */
export function parseApiFaultRules(body: unknown): ApiFaultRule[] {
  if (!Array.isArray(body)) throw new ControlError(400, 'invalid-request', 'The request body must be a JSON array of fault rules');
  return body.map((rule, index) => {
    try {
      return parseOrThrow(ruleSchema, rule) as ApiFaultRule;
    } catch (error) {
      if (error instanceof ControlError) throw new ControlError(error.status, error.code, `rule ${index}: ${error.message}`);
      throw error;
    }
  });
}

const callbackFaultsSchema = z
  .object(
    {
      duplicate: count('duplicate', 0, MAX_REPEATS).optional(),
      delayMs: delay('delayMs').optional(),
      retryOnServerError: z
        .object(
          { attempts: count('retryOnServerError.attempts', 0, MAX_REPEATS), delayMs: delay('retryOnServerError.delayMs') },
          { error: 'retryOnServerError must be an object {attempts, delayMs}' },
        )
        .strict()
        .optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict();

/** Validates `PUT /control/faults/callbacks`; omitted faults are off. */
export function parseCallbackFaults(body: unknown): Partial<CallbackFaultConfig> {
  const parsed = parseOrThrow(callbackFaultsSchema, body ?? {});
  // Dropped rather than stored as undefined, so the defaults they replace stay in force.
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
}

const releaseSchema = z
  .object(
    {
      order: z
        .union([z.literal('reverse'), z.array(z.number().int().min(0))], {
          error: 'order must be "reverse" or an array of held callback indices',
        })
        .optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict();

/**
 * Validates `POST /control/calls/{id}/release` against the `heldCount` callbacks held, and returns
 * the order to send them in: every index exactly once, so no callback is lost or sent twice by a typo.
 */
export function parseReleaseOrder(body: unknown, heldCount: number): number[] {
  const { order } = parseOrThrow(releaseSchema, body ?? {});
  const indices = [...Array(heldCount).keys()];
  if (order === undefined) return indices;
  if (order === 'reverse') return indices.reverse();
  const named = new Set(order);
  if (order.length !== heldCount || named.size !== heldCount || order.some((index) => index >= heldCount)) {
    const expected = heldCount === 0 ? 'be empty: nothing is held' : `name each of the ${heldCount} held callbacks (indices 0 to ${heldCount - 1}) exactly once`;
    throw new ControlError(400, 'invalid-request', `order must ${expected}, got ${JSON.stringify(order)}`);
  }
  return order;
}
