import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { CALL_FIELDS, GET_CALL } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { holdSocketOpen, wsExecute } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

let service: TestService;

const CALLS = '{ calls { nodes { id } } }';
const nested = (levels: number): string => `{ call(id: "call_x") { ${'... on Call { '.repeat(levels)} id ${'} '.repeat(levels)} } }`;

/** Every limit with an operation just over it; each must be refused the same way on both transports. */
const OVER_THE_LIMIT: Array<[string, string, Record<string, unknown>, string]> = [
  ['a document over 20 KiB', `# ${'x'.repeat(20 * 1024)}\n${CALLS}`, {}, 'DOCUMENT_TOO_LARGE'],
  ['a document of more than 1000 tokens', `{ calls { nodes { ${'id '.repeat(1000)} } } }`, {}, 'TOO_MANY_TOKENS'],
  ['an operation nested more than 10 levels deep', nested(10), {}, 'QUERY_TOO_DEEP'],
  [
    'an operation with more than 15 aliases',
    `{ ${Array.from({ length: 16 }, (_, i) => `c${i}: call(id: "call_${i}") { id }`).join(' ')} }`,
    {},
    'TOO_MANY_ALIASES',
  ],
  [
    'an operation whose page sizes multiply past the cost limit',
    'query($events: Int!) { calls(first: 100) { nodes { events(first: $events) { sequence } } } }',
    { events: 1000 },
    'QUERY_TOO_COMPLEX',
  ],
];

forEachSetup('operation limits', ABOVE_BANDWIDTH, () => {
  beforeEach(async () => {
    service = await startTestService();
  });

  it.each(OVER_THE_LIMIT)('refuse %s over HTTP with 400 and a stable code', async (_name, query, variables, code) => {
    const { status, data, errors } = await service.gql(query, variables);
    expect(status).toBe(400);
    expect(data).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors![0]!.extensions).toMatchObject({ code, limit: expect.any(Number) });
    expect(JSON.stringify(errors)).not.toMatch(/stacktrace/);
  });

  it.each(OVER_THE_LIMIT)('refuse %s over WebSocket and leave the socket open', async (_name, query, variables, code) => {
    const client = service.ws();
    const socket = await holdSocketOpen(client);
    const refused = await wsExecute(client, query, variables);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code, limit: expect.any(Number) });

    expect(await wsExecute(client, CALLS)).toEqual({ data: { calls: { nodes: [] } } });
    expect(socket.connections()).toBe(1);
    expect(socket.closes()).toBe(0);
  });

  it('let ordinary operations through: a call with its log, a page of calls with theirs, introspection', async () => {
    const ordinary: Array<[string, Record<string, unknown>]> = [
      [GET_CALL, { id: 'call_x' }],
      [`{ calls(first: 20) { nodes { ...CallFields events(first: 100) { sequence type payload } } } } ${CALL_FIELDS}`, {}],
      ['query($events: Int!) { calls(first: 100) { nodes { events(first: $events) { sequence } } } }', { events: 10 }],
      [nested(8), {}],
      ['{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }', {}],
    ];
    for (const [query, variables] of ordinary) {
      const response = await service.gql(query, variables);
      expect([query, response.status, response.errors]).toEqual([query, 200, undefined]);
    }
  });

  it('refuse a request body over 64 KiB with 413 before reading it all', async () => {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: CreateCallInput!) { createCall(input: $input) { id } }',
        variables: { input: { from: '+19195550100', to: '+19195550123', padding: 'x'.repeat(64 * 1024) } },
      }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', limit: 64 * 1024 });
    expect((await service.gql(CALLS)).data).toEqual({ calls: { nodes: [] } });
  });

  it('check a GET request’s document before parsing it too', async () => {
    const query = `# ${'x'.repeat(6 * 1024)}\n${CALLS}`;
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent(`{ calls { nodes { ${'id '.repeat(1000)} } } }`)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('TOO_MANY_TOKENS');
    const fine = await fetch(`${service.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(fine.status).toBe(200);
  });
});
