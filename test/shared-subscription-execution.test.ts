import { afterEach, expect, it } from '@jest/globals';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { documentIds, sharedSubscribe, stableJson } from '../src/graphql/shared-subscribe.js';
import { ANSWERS, CREATE_CALL, FROM, HANG_UP, type CallView } from './support/documents.js';
import { Subscription, disposeAll, startTestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

/** A schema whose subscription streams the events a test hands it, counting how often `label` resolves. */
function countingSchema() {
  const sources: Array<(event: object) => void> = [];
  let executions = 0;
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: {
      n: { type: GraphQLInt },
      label: {
        type: GraphQLString,
        args: { prefix: { type: GraphQLString } },
        resolve: (tick: { n: number }, { prefix }: { prefix?: string }) => {
          executions += 1;
          return `${prefix ?? ''}${tick.n}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: Tick,
          args: { prefix: { type: GraphQLString } },
          resolve: (tick: object) => tick,
          subscribe: () => {
            const queue: object[] = [];
            let wake: (() => void) | undefined;
            sources.push((event) => {
              queue.push(event);
              wake?.();
            });
            return (async function* () {
              for (;;) {
                while (queue.length > 0) yield queue.shift()!;
                await new Promise<void>((resolve) => (wake = resolve));
              }
            })();
          },
        },
      },
    }),
  });
  return { schema, emit: (event: object) => sources.forEach((push) => push(event)), executions: () => executions };
}

const documentId = documentIds();
const key = (args: ExecutionArgs): string => `${documentId(args.document)}|${stableJson(args.variableValues ?? {})}`;

async function subscribeAll(schema: GraphQLSchema, documents: Array<{ document: ReturnType<typeof parse>; variables?: Record<string, unknown> }>) {
  const subscribe = sharedSubscribe(key);
  return Promise.all(
    documents.map(async ({ document, variables }) => {
      const stream = (await subscribe({ schema, document, variableValues: variables })) as AsyncIterableIterator<ExecutionResult>;
      return stream;
    }),
  );
}

forEachSetup('shared subscription execution', ABOVE_BANDWIDTH, () => {
  const TICKS = parse('subscription($prefix: String) { ticks(prefix: $prefix) { n label(prefix: $prefix) } }');

  it('executes a document once per event for every subscriber that sent it with the same variables', async () => {
    const { schema, emit, executions } = countingSchema();
    const streams = await subscribeAll(schema, Array.from({ length: 5 }, () => ({ document: TICKS, variables: { prefix: '#' } })));
    const next = streams.map((stream) => stream.next());
    emit({ n: 1 });
    const results = await Promise.all(next);
    for (const result of results) expect(result.value).toEqual({ data: { ticks: { n: 1, label: '#1' } } });
    expect(executions()).toBe(1);
    // Key order in the variables does not matter.
    expect(stableJson({ b: 1, a: { d: 2, c: 3 } })).toBe(stableJson({ a: { c: 3, d: 2 }, b: 1 }));
    await Promise.all(streams.map((stream) => stream.return!()));
  });

  it('executes separately for other variables, another document and another event object', async () => {
    const { schema, emit, executions } = countingSchema();
    const other = parse('subscription { ticks { label } }');
    const streams = await subscribeAll(schema, [
      { document: TICKS, variables: { prefix: '#' } },
      { document: TICKS, variables: { prefix: '*' } },
      { document: other },
    ]);
    const first = streams.map((stream) => stream.next());
    emit({ n: 7 });
    expect((await Promise.all(first)).map((result) => result.value)).toEqual([
      { data: { ticks: { n: 7, label: '#7' } } },
      { data: { ticks: { n: 7, label: '*7' } } },
      { data: { ticks: { label: '7' } } },
    ]);
    expect(executions()).toBe(3);
    const second = streams.map((stream) => stream.next());
    emit({ n: 7 });
    await Promise.all(second);
    expect(executions()).toBe(6);
    await Promise.all(streams.map((stream) => stream.return!()));
  });

  it('gives subscribers of one call with different selections each their own answer', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const callId = data!.createCall.id;
    const states = 'subscription($callId: ID) { callUpdated(callId: $callId) { id state } }';
    const ends = 'subscription($callId: ID) { callUpdated(callId: $callId) { endReason lastSequence } }';
    const byState = [1, 2, 3].map(() => new Subscription<{ callUpdated: { id: string; state: string } }>(service.ws(), states, { callId }));
    const byEnd = [1, 2].map(() => new Subscription<{ callUpdated: { endReason: string | null; lastSequence: number } }>(service.ws(), ends, { callId }));
    await service.gql(HANG_UP, { callId });
    for (const subscription of byState) {
      const ended = await subscription.waitFor('the end', (item) => item.callUpdated.state === 'COMPLETED');
      expect(Object.keys(ended.callUpdated).sort()).toEqual(['id', 'state']);
    }
    for (const subscription of byEnd) {
      const ended = await subscription.waitFor('the end', (item) => item.callUpdated.endReason !== null);
      expect(ended.callUpdated.endReason).toBe('CANCELLED');
      expect(Object.keys(ended.callUpdated).sort()).toEqual(['endReason', 'lastSequence']);
    }
  });
});
