import { afterAll, beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ANSWERS, CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

/**
 * Property-based tests of `POST /webhooks/bandwidth`: thousands of random and mutated deliveries.
 * fast-check picks a fresh seed each run and prints it (with the smallest failing input) when a
 * property fails; pass that seed back with `fc.assert(..., { seed })` to replay it.
 *
 * The calls here have no audio and the simulated far end never answers, so nothing changes the
 * store in the background: any change seen around a refused delivery was made by that delivery.
 */
const USER = 'bandwidth';
const PASSWORD = 'fuzz-webhook-password';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const BODY_LIMIT = 64 * 1024;

let service: TestService;
let calls: CallView[];

interface Delivery {
  status: number;
  body: string;
}

async function deliver(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Delivery> {
  const response = await fetch(`${service.url}/webhooks/bandwidth`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** What a delivery can change: the calls, their logs, the log of events that matched no call (by its newest entry). */
async function storeCounts(): Promise<{ calls: number; events: number; newestUnmatched: unknown }> {
  const { store } = service.server;
  const all = await store.listCalls({ first: 100_000 });
  return {
    calls: all.length,
    events: all.reduce((sum, call) => sum + call.lastSequence, 0),
    // Unmatched events are only ever added, newest first: a delivery that kept one changed this.
    newestUnmatched: (await store.listUnmatchedEvents(1))[0] ?? null,
  };
}

/** Delivers and checks the properties every delivery has; returns the answer for more checks. */
async function deliverChecked(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Delivery> {
  const before = await storeCounts();
  const answer = await deliver(body, headers);
  expect(answer.status).toBeLessThan(500);
  if (answer.status >= 400) expect(await storeCounts()).toEqual(before);
  else expect(answer.status).toBe(200);
  // Refused (its tag names one call, its id another): no call or log changes; it is only kept aside.
  if (answer.status === 200 && JSON.parse(answer.body).status === 'rejected') {
    expect(await storeCounts()).toEqual({ ...before, newestUnmatched: expect.objectContaining({ reason: expect.any(String) }) });
  }
  return answer;
}

async function stillHealthy(): Promise<void> {
  expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
}

const EVENT_TYPES = ['incomingcall', 'answer', 'playback', 'speak', 'dtmf', 'gather', 'timeout', 'hangup', 'recording', 'transcription'] as const;
type EventType = (typeof EVENT_TYPES)[number];

/** A delivery of `type` as Bandwidth documents it, with every field it may carry. */
function bandwidthEvent(type: EventType, callId: string, tag: string | undefined): Record<string, unknown> {
  const base = {
    eventType: type,
    callId,
    callUri: `https://api.catapult.inetwork.com/v1/users/u-fuzz/calls/${callId}`,
    time: new Date().toISOString(),
    ...(tag === undefined ? {} : { tag }),
  };
  const parties = { from: '+13233326955', to: '+19195550100' };
  switch (type) {
    case 'incomingcall':
      return { ...base, ...parties, callState: 'active', applicationId: 'a-fuzz', diversion: { origTo: '+19195550101', reason: 'unconditional' } };
    case 'answer':
      return { ...base, ...parties, callState: 'active' };
    case 'playback':
      return { ...base, status: 'done' };
    case 'speak':
      return { ...base, status: 'done', state: 'PLAYBACK_STOP' };
    case 'dtmf':
      return { ...base, dtmfDigit: '5' };
    case 'gather':
      return { ...base, state: 'completed', digits: '123', reason: 'max-digits', gatherId: 'g-fuzz' };
    case 'timeout':
      return { ...base, ...parties };
    case 'hangup':
      return { ...base, ...parties, cause: 'NORMAL_CLEARING', callState: 'completed' };
    case 'recording':
      return { ...base, recordingId: 'rec-fuzz', state: 'complete', status: 'complete', startTime: base.time, endTime: base.time };
    case 'transcription':
      return { ...base, transcriptionId: 't-fuzz', recordingId: 'rec-fuzz', state: 'completed', status: 'completed', textSize: '5', text: 'hello' };
  }
}

const unknownCallId = fc.stringMatching(/^c-[a-z0-9]{23}$/);
const eventType = fc.constantFrom(...EVENT_TYPES);

/** A documented event for one of the calls here (by id, by tag, or both), or for a call nobody knows. */
const validEvent = fc
  .record({
    type: eventType,
    target: fc.oneof(fc.constant(-1), fc.nat({ max: 2 })),
    by: fc.constantFrom('callId', 'tag', 'both'),
    unknownId: unknownCallId,
  })
  .map(({ type, target, by, unknownId }) => {
    const call = target >= 0 ? calls[target]! : undefined;
    const callId = call && by !== 'tag' ? call.bandwidthCallId! : unknownId;
    const tag = call && by !== 'callId' ? call.id : undefined;
    return bandwidthEvent(type, callId, tag);
  });

const hugeString = fc.integer({ min: 1, max: 80 }).map((kib) => 'x'.repeat(kib * 1024));

type Payload = Record<string, unknown> | unknown;
type Mutation = (payload: Record<string, unknown>) => Payload;

/** One change to a delivery: a field dropped, retyped, blown up or added, or the whole body replaced. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (p: Record<string, unknown>) => {
    const keys = Object.keys(p);
    const { [keys[n % keys.length]!]: _dropped, ...rest } = p;
    return rest;
  }),
  fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([n, value]) => (p: Record<string, unknown>) => {
    const keys = Object.keys(p);
    return { ...p, [keys[n % keys.length]!]: value };
  }),
  fc.tuple(fc.nat(), hugeString).map(([n, value]) => (p: Record<string, unknown>) => {
    const keys = Object.keys(p);
    return { ...p, [keys[n % keys.length]!]: value };
  }),
  fc.tuple(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 })).map(([key, value]) => (p: Record<string, unknown>) => ({
    ...p,
    [key]: value,
  })),
  fc.jsonValue({ maxDepth: 2 }).map((value) => () => value),
  fc.constant((p: Record<string, unknown>) => [p]),
);

// Fuzzes v1's webhook route with v1's documented payloads.
forEachSetup('POST /webhooks/bandwidth under fuzzing', { apis: ['v1'] }, () => {
  beforeAll(async () => {
    service = await startTestService({
      WEBHOOK_USERNAME: USER,
      WEBHOOK_PASSWORD: PASSWORD,
      SIMULATOR_ANSWER_DELAY_MS: '600000',
      OUTBOUND_CALLS_PER_SECOND: '1000',
    });
    calls = [];
    for (let i = 0; i < 3; i += 1) {
      const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
      expect(errors).toBeUndefined();
      calls.push(data!.createCall);
    }
  });
  afterAll(disposeAll);

  it('answers a valid delivery with 200, never a 5xx, whatever the call', async () => {
    await fc.assert(
      fc.asyncProperty(validEvent, async (event) => {
        const { status, body } = await deliverChecked(JSON.stringify(event));
        expect([status, JSON.parse(body).status]).toEqual([200, expect.stringMatching(/^(applied|recorded|duplicate|unmatched|rejected)$/)]);
      }),
      { numRuns: 250 },
    );
    await stillHealthy();
  });

  it('acknowledges a valid event for an unknown call with 200 and keeps it as unmatched', async () => {
    const unmatchedType = eventType.filter((type) => type !== 'incomingcall');
    await fc.assert(
      fc.asyncProperty(unmatchedType, unknownCallId, async (type, callId) => {
        const before = await storeCounts();
        const { status, body } = await deliver(JSON.stringify(bandwidthEvent(type, callId, undefined)));
        expect([status, JSON.parse(body)]).toEqual([200, { status: 'unmatched' }]);
        const after = await storeCounts();
        expect(after).toEqual({ ...before, newestUnmatched: expect.objectContaining({ providerCallId: callId, eventType: type }) });
        expect(after.newestUnmatched).not.toEqual(before.newestUnmatched);
      }),
      { numRuns: 150 },
    );
  });

  it('never answers a mutated event with a 5xx, and a refused one changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validEvent, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (event, mutations) => {
        let payload: Payload = event;
        for (const mutate of mutations) {
          payload = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? mutate(payload as Record<string, unknown>) : payload;
        }
        const body = JSON.stringify(payload) ?? 'null';
        const { status } = await deliverChecked(body);
        if (Buffer.byteLength(body) > BODY_LIMIT) expect(status).toBe(413);
        else expect([200, 400]).toContain(status);
      }),
      { numRuns: 400 },
    );
    await stillHealthy();
  });

  it('never answers random JSON with a 5xx, and a refused one changes nothing', async () => {
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map((value) => JSON.stringify(value)),
      fc.record({ eventType: fc.jsonValue({ maxDepth: 1 }), callId: fc.jsonValue({ maxDepth: 1 }) }).map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }),
    );
    await fc.assert(
      fc.asyncProperty(json, async (body) => {
        await deliverChecked(body);
      }),
      { numRuns: 400 },
    );
    await stillHealthy();
  });

  it('refuses every delivery without the right credentials with 401, and it changes nothing', async () => {
    const header = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
    const authorization = fc.oneof(
      fc.constant(''),
      header,
      fc.tuple(header, header).map(([user, password]) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`),
      header.map((password) => `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`),
      header.map((token) => `Bearer ${token}`),
      fc.constant(`Basic ${Buffer.from(`${USER}:${PASSWORD}x`).toString('base64')}`),
    );
    const before = await storeCounts();
    await fc.assert(
      fc.asyncProperty(authorization.filter((value) => value !== AUTH), validEvent, async (auth, event) => {
        expect((await deliver(JSON.stringify(event), { authorization: auth })).status).toBe(401);
      }),
      { numRuns: 250 },
    );
    expect(await storeCounts()).toEqual(before);
    await stillHealthy();
  });

  it('refuses bodies that are not JSON with 415, and they change nothing', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/html; charset=utf-8',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      ),
      fc.tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z.+-]{1,16}$/)).map(([type, subtype]) => `${type}/${subtype}`),
    );
    await fc.assert(
      fc.asyncProperty(
        contentType.filter((type) => !/^application\/json\b/.test(type)),
        fc.oneof(validEvent.map((event) => JSON.stringify(event)), fc.string({ maxLength: 200 })),
        async (type, body) => {
          const { status } = await deliverChecked(body, { 'content-type': type });
          expect(status).toBe(415);
        },
      ),
      { numRuns: 150 },
    );
    await stillHealthy();
  });
});
