import { z } from 'zod';

// Response schemas: strict about what the client reads, lenient about everything else (fields the
// reference does not list are kept; v2 says new states may appear).
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

/** `201` of `POST …/calls` (reference §3.3): only the id is needed. */
export const createCallResponseSchema = z.looseObject({ callId: z.string().min(1) });

/** `GET …/calls/{callId}` and the items of `GET …/calls` (reference §4.1). */
export const callStateSchema = z.looseObject({
  callId: z.string().min(1),
  state: z.string().min(1),
  direction: text,
  from: text,
  to: text,
  enqueuedTime: text,
  startTime: text,
  answerTime: text,
  endTime: text,
  disconnectCause: text,
  errorMessage: text,
  errorId: text,
  lastUpdate: text,
  /** Not in Bandwidth's schema (the call state has no tag); read when present, e.g. from a simulator. */
  tag: text,
});

export type V2CallState = z.infer<typeof callStateSchema>;
