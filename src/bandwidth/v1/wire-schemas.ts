import { z } from 'zod';
import type { BandwidthCall, BandwidthCallEvent } from './wire-types.js';

// Response schemas: null is read as "not set" (the v1 API tolerated nulls), and flags/numbers
// are accepted in their text form too, as some v1 payloads carried them that way.
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
  .nullish()
  .transform((value) => value ?? undefined);
const count = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .nullish()
  .transform((value) => value ?? undefined);

export const callSchema: z.ZodType<BandwidthCall> = z.looseObject({
  id: z.string().min(1),
  state: z.string().min(1),
  direction: text,
  from: text,
  to: text,
  startTime: text,
  activeTime: text,
  endTime: text,
  callTimeout: count,
  callbackUrl: text,
  callbackHttpMethod: text,
  callbackTimeout: count,
  fallbackUrl: text,
  chargeableDuration: count,
  bridgeId: text,
  bridge: text,
  conferenceId: text,
  conference: text,
  events: text,
  recordings: text,
  transcriptions: text,
  recordingEnabled: flag,
  recordingFileFormat: text,
  recordingMaxDuration: count,
  transcriptionEnabled: flag,
  tag: text,
  sipHeaders: z
    .record(z.string(), z.string())
    .nullish()
    .transform((value) => value ?? undefined),
  transferTo: text,
  transferCallerId: text,
  whisperAudio: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((value) => value ?? undefined),
});

export const callEventSchema: z.ZodType<BandwidthCallEvent> = z.looseObject({
  id: z.string().min(1),
  time: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => value ?? undefined),
  name: z.string(),
  data: z
    .unknown()
    .transform((value) =>
      value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value),
    )
    .optional(),
});
