import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ANSWER, ANSWERS, CALL_EVENTS, CREATE_CALL, FROM, GET_CALL, HANG_UP, PLAY_AUDIO, STOP_AUDIO, file } from './support/documents.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { Subscription, disposeAll, startTestService, type TestService } from './support/test-service.js';

/** Each of these `to` values is refused, and why it must be. */
const UNSAFE_DESTINATIONS: Array<[string, string]> = [
  ['a sip: URI over 256 characters', `sip:${'a'.repeat(240)}@example.com`.padEnd(257, 'm')],
  ['a NUL', 'sip:alice\u0000@example.com'],
  ['a zero-width space', 'sip:al\u200Bice@example.com'],
  ['a right-to-left override', 'sip:alice\u202E@example.com'],
  ['an angle bracket', 'sip:alice@example.com>'],
  ['a headers part', 'sip:alice@example.com?X-Injected=1'],
  ['a password', 'sip:alice:secret@example.com'],
  ['a space', 'sip:alice@exa mple.com'],
  ['an E.164 number of 16 digits', '+1919555121212345'],
];

const SAFE_DESTINATIONS = ['sip:alice@example.com', 'sip:+19195551212@sip.example.com:5060;transport=tcp', 'sip:a%20b@[2001:db8::1]'];

forEachSetup('input bounds', ABOVE_BANDWIDTH, () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(disposeAll);

  async function callCount(): Promise<number> {
    return (await service.gql<{ calls: { nodes: unknown[] } }>('{ calls(first: 100) { nodes { id } } }')).data!.calls.nodes.length;
  }

  it.each(UNSAFE_DESTINATIONS)('refuse a destination with %s, storing nothing', async (_what, to) => {
    const before = await callCount();
    const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to } });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'to' })] });
    expect(await callCount()).toBe(before);
  });

  it('take sip: URIs of the RFC 3261 grammar: parameters, a port, an IPv6 host', async () => {
    for (const to of SAFE_DESTINATIONS) {
      const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to } });
      expect([to, errors?.[0]?.extensions?.code]).not.toEqual([to, 'BAD_USER_INPUT']);
    }
  });

  it('refuse audio URLs and idempotency keys with characters URL parsing would drop or that are not printable ASCII', async () => {
    const before = await callCount();
    for (const fileUrl of ['https://audio.example/a\n.mp3', 'https://audio.example/a b.mp3', 'https://audio.example/café.mp3']) {
      const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to: ANSWERS, audio: [{ fileUrl }] } });
      expect([fileUrl, errors?.[0]?.extensions?.fields]).toEqual([fileUrl, [expect.objectContaining({ field: 'audio.0.fileUrl' })]]);
    }
    for (const idempotencyKey of ['order 42', 'order\u000042', 'ordér-42']) {
      const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to: ANSWERS, idempotencyKey } });
      expect([idempotencyKey, errors?.[0]?.extensions?.fields]).toEqual([idempotencyKey, [expect.objectContaining({ field: 'idempotencyKey' })]]);
    }
    expect(await callCount()).toBe(before);
  });

  it('refuse a call id that cannot be one on every operation that takes one; an unknown one is still NOT_FOUND', async () => {
    for (const bad of ['c'.repeat(65), 'call_x\u0000', 'call x', "call_x' OR 1=1"]) {
      for (const [document, variables, field] of [
        [PLAY_AUDIO, { input: { callId: bad, fileUrl: file('x') } }, 'callId'],
        [STOP_AUDIO, { callId: bad }, 'callId'],
        [HANG_UP, { callId: bad }, 'callId'],
        [ANSWER, { callId: bad }, 'callId'],
        [GET_CALL, { id: bad }, 'id'],
      ] as const) {
        const { errors } = await service.gql(document, variables);
        expect([document, bad, errors?.[0]?.extensions]).toEqual([
          document,
          bad,
          expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field })] }),
        ]);
      }
      const subscription = new Subscription<{ callEvents: unknown }>(service.ws(), CALL_EVENTS, { callId: bad });
      const refusal = await subscription.waitUntil('the refusal', () => subscription.errors[0]);
      const [first] = (Array.isArray(refusal) ? refusal : [refusal]) as Array<{ extensions?: { code?: string } }>;
      expect([bad, first?.extensions?.code]).toEqual([bad, 'BAD_USER_INPUT']);
    }
    expect((await service.gql(HANG_UP, { callId: 'call_x' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuse a paging cursor that none of ours could be', async () => {
    for (const after of ['x'.repeat(129), 'not a cursor!']) {
      const { errors } = await service.gql('query($after: String) { calls(after: $after) { nodes { id } } }', { after });
      expect(errors?.[0]).toMatchObject({ message: 'after is not a cursor returned by calls', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('price event payloads by what they return: pages of calls with their events’ payloads are too costly, without payloads they are not', async () => {
    for (const first of [100, 50]) {
      const withPayloads = await service.gql(`{ calls(first: ${first}) { nodes { events { payload } } } }`);
      expect([first, withPayloads.errors?.[0]?.extensions?.code]).toEqual([first, 'QUERY_TOO_COMPLEX']);
    }
    const without = await service.gql('{ calls(first: 50) { nodes { events { sequence type } } } }');
    expect(without.errors).toBeUndefined();
  });
});
