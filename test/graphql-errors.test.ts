import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL, HANG_UP, PLAY_AUDIO, REFUSED, STOP_AUDIO, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('bad GraphQL input', ABOVE_BANDWIDTH, () => {
  it.each([
    ['a from number that is not E.164', { from: '919-555-0100', to: ANSWERS }, 'from'],
    ['a destination that is neither E.164 nor sip:', { from: FROM, to: 'mailto:someone@example.com' }, 'to'],
    ['an audio URL that is not http(s)', { from: FROM, to: ANSWERS, audio: [{ fileUrl: 'ftp://example.com/a.mp3' }] }, 'audio.0.fileUrl'],
    ['an audio file that is not mp3 or wav', { from: FROM, to: ANSWERS, audio: [{ fileUrl: 'https://example.com/a.ogg' }] }, 'audio.0.fileUrl'],
    ['a call timeout over 300 seconds', { from: FROM, to: ANSWERS, callTimeoutSeconds: 301 }, 'callTimeoutSeconds'],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_name, input, field) => {
    const service = await startTestService();
    const { data, errors } = await service.gql(CREATE_CALL, { input });
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.extensions?.fields.map((f: { field: string }) => f.field)).toContain(field);
    const calls = await service.gql<{ calls: { nodes: unknown[] } }>('{ calls { nodes { id } } }');
    expect(calls.data!.calls.nodes).toHaveLength(0);
  });

  it('answers NOT_FOUND for actions on an unknown call, and null for a query', async () => {
    const service = await startTestService();
    for (const [document, variables] of [
      [PLAY_AUDIO, { input: { callId: 'call_nope', fileUrl: file('x') } }],
      [STOP_AUDIO, { callId: 'call_nope' }],
      [HANG_UP, { callId: 'call_nope' }],
    ] as const) {
      const { errors } = await service.gql(document, variables);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', callId: 'call_nope' });
    }
    const { data, errors } = await service.gql<{ call: null }>(GET_CALL, { id: 'call_nope' });
    expect(errors).toBeUndefined();
    expect(data!.call).toBeNull();
  });

  it('surfaces a Bandwidth refusal as BANDWIDTH_ERROR with its code, and the call FAILED', async () => {
    const service = await startTestService();
    const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to: REFUSED, audio: [{ fileUrl: file('x') }] } });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BANDWIDTH_ERROR', bandwidthCode: 'invalid-call-to-number', status: 403 });
    const callId = errors![0]!.extensions!.callId as string;
    const { data } = await service.gql<{ call: CallView }>(GET_CALL, { id: callId });
    expect(data!.call).toMatchObject({ state: 'FAILED', endReason: 'BANDWIDTH_ERROR', hangupCause: 'invalid-call-to-number' });
    expect(data!.call.playbacks.map((p) => p.status)).toEqual(['CANCELLED']);
  });

  it('refuses a malformed document with a coded error and no stack trace', async () => {
    const service = await startTestService();
    const { status, errors } = await service.gql('{ calls { nodes { id }');
    expect(status).toBe(400);
    expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(JSON.stringify(errors)).not.toMatch(/stacktrace|at .*\.js/);
  });
});

forEachSetup('calls', ABOVE_BANDWIDTH, () => {
  it('pages newest first with cursors and filters by state', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
      ids.push(data!.createCall.id);
    }
    await service.gql(HANG_UP, { callId: ids[0] });

    const page = `query($after: String, $state: CallState) {
      calls(first: 2, after: $after, state: $state) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { data }: { data?: any } = await service.gql<any>(page, { after });
      seen.push(...data.calls.edges.map((e: any) => e.node.id));
      if (!data.calls.pageInfo.hasNextPage) break;
      after = data.calls.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    const completed = await service.gql<any>(page, { state: 'COMPLETED' });
    expect(completed.data.calls.edges.map((e: any) => e.node.id)).toEqual([ids[0]]);

    const bad = await service.gql('{ calls(first: 1000) { nodes { id } } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await service.gql('{ calls(after: "nonsense") { nodes { id } } }');
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
