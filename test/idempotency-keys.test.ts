import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL, PLAY_AUDIO, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('idempotencyKey', () => {
  it('makes a retried createCall return the same call and dial once', async () => {
    const service = await startTestService();
    const input = { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a') }], idempotencyKey: 'order-42' };
    const [one, two] = await Promise.all([service.gql<{ createCall: CallView }>(CREATE_CALL, { input }), service.gql<{ createCall: CallView }>(CREATE_CALL, { input })]);
    const three = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input });
    expect(one.errors).toBeUndefined();
    expect(new Set([one, two, three].map((r) => r.data!.createCall.id)).size).toBe(1);

    const calls = await service.sim<Array<{ tag?: string }>>('GET', '/control/calls');
    expect(calls.filter((c) => c.tag === one.data!.createCall.id)).toHaveLength(1);
    const list = await service.gql<{ calls: { nodes: unknown[] } }>('{ calls { nodes { id } } }');
    expect(list.data!.calls.nodes).toHaveLength(1);
  });

  it('refuses the same key with a different request', async () => {
    const service = await startTestService();
    await service.gql(CREATE_CALL, { input: { from: FROM, to: ANSWERS, idempotencyKey: 'k1' } });
    const { errors } = await service.gql(CREATE_CALL, { input: { from: FROM, to: '+19195550999', idempotencyKey: 'k1' } });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', idempotencyKey: 'k1' });
  });

  it('makes a retried playAudio return the same playback and queue it once', async () => {
    const service = await startTestService({ SIMULATOR_ANSWER_DELAY_MS: '60000' });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const input = { callId: data!.createCall.id, fileUrl: file('b'), idempotencyKey: 'play-1' };
    const first = await service.gql<{ playAudio: { id: string } }>(PLAY_AUDIO, { input });
    const again = await service.gql<{ playAudio: { id: string } }>(PLAY_AUDIO, { input });
    expect(again.data!.playAudio.id).toBe(first.data!.playAudio.id);
    const call = await service.gql<{ call: CallView }>(GET_CALL, { id: data!.createCall.id });
    expect(call.data!.call.playbacks).toHaveLength(1);
  });
});
