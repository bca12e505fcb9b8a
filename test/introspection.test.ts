import { afterEach, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';
import { disposeAll, startTestService } from './support/test-service.js';
import { holdSocketOpen, wsExecute } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = '{ __type(name: "Call") { fields { name } } }';

forEachSetup('introspection', ABOVE_BANDWIDTH, () => {
  it('is answered by default outside production, over HTTP and WebSocket', async () => {
    const service = await startTestService();
    expect(await service.gql(SCHEMA)).toEqual({ status: 200, data: { __schema: { queryType: { name: 'Query' } } } });
    expect(await wsExecute(service.ws(), SCHEMA)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('is refused with GRAPHQL_INTROSPECTION=false on both transports; the socket stays open', async () => {
    const service = await startTestService({ GRAPHQL_INTROSPECTION: 'false' });
    for (const query of [SCHEMA, TYPE]) {
      const { status, errors } = await service.gql(query);
      expect(status).toBe(400);
      expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(errors?.[0]?.message).toMatch(/introspection/i);
    }
    const client = service.ws();
    const socket = await holdSocketOpen(client);
    for (const query of [SCHEMA, TYPE]) {
      const refused = await wsExecute(client, query);
      expect(refused.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(refused.errors?.[0]?.message).toMatch(/introspection/i);
    }
    // __typename is not introspection: clients (and caches) rely on it.
    expect(await wsExecute(client, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    expect(socket.closes()).toBe(0);
  });

  it('drops "Did you mean …?" hints from errors when it is off, since they spell out the schema', async () => {
    const typo = '{ calls { nodes { idd } } }';
    const open = await startTestService();
    expect((await open.gql(typo)).errors?.[0]?.message).toMatch(/Did you mean "id"\?/);

    const closed = await startTestService({ GRAPHQL_INTROSPECTION: 'false' });
    const overHttp = (await closed.gql(typo)).errors?.[0]?.message;
    const overWs = (await wsExecute(closed.ws(), typo)).errors?.[0]?.message;
    for (const message of [overHttp, overWs]) {
      expect(message).toBe('Cannot query field "idd" on type "Call".');
    }
  });
});

forEachSetup('GRAPHQL_INTROSPECTION', ABOVE_BANDWIDTH, () => {
  it('defaults to on, and to off with NODE_ENV=production', () => {
    expect(loadConfig({}).graphqlIntrospection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).graphqlIntrospection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'FALSE' }).graphqlIntrospection).toBe(false);
  });

  it.each(['yes', '0', 'off'])('refuses %j at start-up naming the variable', (value) => {
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: value })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: value })).toThrow(/^GRAPHQL_INTROSPECTION must be true or false/);
  });
});
