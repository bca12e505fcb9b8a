import { afterAll, beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import { ANSWER, ANSWERS, CALL_UPDATED, CREATE_CALL, FROM, GET_CALL, HANG_UP, PLAY_AUDIO, STOP_AUDIO, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { holdSocketOpen, wsExecute, type OperationResult } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

/**
 * Property-based tests of `/graphql`: random text, mutated documents and random variables, over
 * HTTP and WebSocket. fast-check picks a fresh seed each run and prints it (with the smallest
 * failing input) when a property fails; pass it back with `fc.assert(..., { seed })` to replay.
 *
 * The simulated far end never answers and no valid input here sets a call timeout or touches a
 * call's audio while it plays, so nothing changes the store in the background: any change seen
 * around a refused request was made by that request.
 */
let service: TestService;
let existing: CallView;

/** Codes a refusal may carry; INTERNAL_SERVER_ERROR would mean a bug that bad input reached. */
const CLIENT_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CALL_NOT_ACTIVE',
  'CALL_NOT_RINGING',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'DOCUMENT_TOO_LARGE',
  'TOO_MANY_TOKENS',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COMPLEX',
]);

interface Answer extends OperationResult {
  status: number;
}

async function post(body: string): Promise<Answer> {
  const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  let parsed: OperationResult = {};
  try {
    parsed = JSON.parse(text) as OperationResult;
  } catch {
    // Fastify's own refusals are JSON too; a body that is not is checked by status alone.
  }
  return { status: response.status, ...parsed };
}

async function storeCounts(): Promise<{ calls: number; events: number }> {
  const all = await service.server.store.listCalls({ first: 100_000 });
  return { calls: all.length, events: all.reduce((sum, call) => sum + call.lastSequence, 0) };
}

function refused(answer: Answer | OperationResult): boolean {
  if ('status' in answer && answer.status >= 400) return true;
  return !answer.data || Object.values(answer.data).every((value) => value === null);
}

/** The properties every answer has: no 5xx, no internal error, and a refusal changed nothing. */
async function checked(send: () => Promise<Answer | OperationResult>): Promise<Answer | OperationResult> {
  const before = await storeCounts();
  const answer = await send();
  if ('status' in answer) expect(answer.status).toBeLessThan(500);
  for (const error of answer.errors ?? []) {
    expect(typeof error.message).toBe('string');
    expect([error.extensions?.code, CLIENT_ERROR_CODES.has(error.extensions?.code)]).toEqual([error.extensions?.code, true]);
    expect(JSON.stringify(error)).not.toMatch(/stacktrace/);
  }
  if (refused(answer)) expect(await storeCounts()).toEqual(before);
  return answer;
}

async function stillHealthy(): Promise<void> {
  expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  expect((await service.gql('{ calls(first: 1) { nodes { id } } }')).status).toBe(200);
}

const LIST = '{ calls(first: 5) { edges { cursor node { id state } } pageInfo { hasNextPage endCursor } } }';
const DOCUMENTS = [CREATE_CALL, GET_CALL, PLAY_AUDIO, STOP_AUDIO, HANG_UP, ANSWER, LIST, CALL_UPDATED];

/** Characters that mean something to GraphQL's lexer, so mutations land on syntax, not just names. */
const graphqlChar = fc.oneof(
  fc.constantFrom(...'{}()[]:$!@.,"#=|&\n\t \\'.split('')),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const graphqlText = fc.string({ unit: graphqlChar, maxLength: 30 });

/** One edit to a document: a slice deleted, duplicated or replaced with GraphQL-ish text, or the end cut off. */
const edit = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 20 })).map(([at, length]) => (doc: string) => {
    const start = at % (doc.length + 1);
    return doc.slice(0, start) + doc.slice(start + length);
  }),
  fc.tuple(fc.nat(), graphqlText).map(([at, text]) => (doc: string) => {
    const start = at % (doc.length + 1);
    return doc.slice(0, start) + text + doc.slice(start);
  }),
  fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(([at, length]) => (doc: string) => {
    const start = at % (doc.length + 1);
    return doc.slice(0, start + length) + doc.slice(start);
  }),
  fc.nat().map((at) => (doc: string) => doc.slice(0, at % (doc.length + 1))),
);

const e164 = fc.stringMatching(/^\+1[2-9]\d{9}$/);
const unknownId = fc.oneof(fc.constant('call_nope'), fc.stringMatching(/^call_[0-9a-f-]{1,36}$/), fc.string({ maxLength: 40 }));
const audioUrl = fc.oneof(
  fc.constant(file('fuzz')),
  fc.webUrl(),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('ftp://example.com/a.mp3', 'https://example.com/a.ogg', 'javascript:alert(1)//.mp3', `https://example.com/${'a'.repeat(3000)}.wav`),
);
const anything = fc.jsonValue({ maxDepth: 2 });

/** Mostly `usual`, now and then any JSON value at all: most inputs then reach the resolvers' own checks. */
const mostly = <T>(usual: fc.Arbitrary<T>): fc.Arbitrary<T | fc.JsonValue> => fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: anything, weight: 1 });

/** A createCall input as a client might get it wrong (or right: a valid one places a call). */
const createCallInput = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        from: mostly(fc.oneof(fc.constant(FROM), e164, fc.string({ maxLength: 20 }))),
        to: mostly(fc.oneof(fc.constant(ANSWERS), e164, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }).map((s) => `sip:${s}`))),
        audio: mostly(fc.oneof(fc.constant(null), fc.array(fc.record({ fileUrl: audioUrl, loop: mostly(fc.boolean()) }, { requiredKeys: ['fileUrl'] }), { maxLength: 4 }))),
        // Valid timeouts would make the simulator end calls mid-test; only ones the API must refuse.
        callTimeoutSeconds: mostly(fc.oneof(fc.constant(null), fc.constantFrom(0, -1, 301, 2 ** 31 - 1, -(2 ** 31)), fc.double())),
      },
      { requiredKeys: ['from', 'to'] },
    ),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), anything) },
);

const playAudioInput = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        callId: mostly(fc.oneof(unknownId, fc.constant('existing'))),
        fileUrl: mostly(audioUrl),
        loop: mostly(fc.boolean()),
        interrupt: mostly(fc.boolean()),
      },
      { requiredKeys: ['callId', 'fileUrl'] },
    ),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), anything) },
);

/** Variables for any of the documents: a real call only where acting on it starts nothing in the background. */
const variables = fc.record(
  {
    input: fc.oneof(createCallInput, playAudioInput, anything),
    callId: mostly(unknownId),
    id: mostly(fc.oneof(unknownId, fc.constant('existing'))),
    afterSequence: mostly(fc.integer()),
  },
  { requiredKeys: [] },
);

/** Puts the existing call's id where a generator asked for it. */
function withExisting<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null).replaceAll('"existing"', JSON.stringify(existing.id))) as T;
}

forEachSetup('/graphql under fuzzing', ABOVE_BANDWIDTH, () => {
  beforeAll(async () => {
    service = await startTestService({
      SIMULATOR_ANSWER_DELAY_MS: '600000',
      OUTBOUND_CALLS_PER_SECOND: '1000',
      // Thousands of mutations a minute from one address are the point here, not an abuse.
      MUTATION_RATE_LIMIT: '0',
    });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    existing = data!.createCall;
  });
  afterAll(disposeAll);

  it('never answers random text or JSON with a 5xx or an internal error', async () => {
    const body = fc.oneof(
      graphqlText.map((query) => JSON.stringify({ query })),
      fc.string({ maxLength: 200 }).map((query) => JSON.stringify({ query })),
      fc.record({ query: anything, variables: anything, operationName: anything, extensions: anything }, { requiredKeys: [] }).map((b) =>
        JSON.stringify(b),
      ),
      anything.map((b) => JSON.stringify(b)),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        await checked(() => post(text));
      }),
      { numRuns: 500 },
    );
    await stillHealthy();
  });

  it('never answers a mutated document with a 5xx or an internal error, and a refused one changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...DOCUMENTS), fc.array(edit, { minLength: 1, maxLength: 3 }), variables, async (document, edits, vars) => {
        const query = edits.reduce((doc, apply) => apply(doc), document);
        // CALL_UPDATED, a subscription, is one more document HTTP must refuse cleanly.
        await checked(() => post(JSON.stringify({ query, variables: withExisting(vars) })));
      }),
      { numRuns: 600 },
    );
    await stillHealthy();
  });

  it('refuses bad createCall and playAudio variables as a client error and stores nothing for them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), createCallInput, playAudioInput, async (create, createInput, playInput) => {
        const [query, input] = create ? [CREATE_CALL, createInput] : [PLAY_AUDIO, withExisting(playInput)];
        const answer = await checked(() => post(JSON.stringify({ query, variables: { input } })));
        if (refused(answer)) expect(answer.errors?.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
    await stillHealthy();
  });

  it('keeps one WebSocket open through random and mutated operations', async () => {
    const client: Client = service.ws();
    const socket = await holdSocketOpen(client);
    const operation = fc.oneof(
      graphqlText,
      fc.constantFrom(...DOCUMENTS.filter((doc) => doc !== CALL_UPDATED)),
      fc.tuple(fc.constantFrom(...DOCUMENTS.filter((doc) => doc !== CALL_UPDATED)), fc.array(edit, { minLength: 1, maxLength: 2 })).map(([doc, edits]) =>
        edits.reduce((text, apply) => apply(text), doc),
      ),
    );
    await fc.assert(
      fc.asyncProperty(operation, variables, async (query, vars) => {
        await checked(() => withTimeout(wsExecute(client, query, withExisting(vars)), 2000));
      }),
      { numRuns: 200 },
    );
    expect(socket.connections()).toBe(1);
    expect(socket.closes()).toBe(0);
    await stillHealthy();
  });
});

/** A subscription that was not refused keeps streaming; its first result (or none in time) is enough. */
async function withTimeout(result: Promise<OperationResult>, ms: number): Promise<OperationResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<OperationResult>((resolve) => {
    timer = setTimeout(() => resolve({ data: { pending: true } }), ms);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
