import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL, file, type CallView } from './support/documents.js';
import { standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, startTestService, waitForCall } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const SLOW_TO_ANSWER = '+19195550777';

forEachSetup('a restart of the service', () => {
  it('keeps queued audio and plays it when the call is answered afterwards', async () => {
    const bandwidth = await standaloneBandwidth();
    const { env } = bandwidth;
    await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(SLOW_TO_ANSWER)}`, { outcome: 'answer', afterMs: 600_000 });

    const before = await startTestService(env);
    const { data, errors } = await before.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: SLOW_TO_ANSWER, audio: [{ fileUrl: file('one', 40) }, { fileUrl: file('two', 40) }] },
    });
    expect(errors).toBeUndefined();
    const call = data!.createCall;
    expect(call.state).toBe('RINGING');
    await before.stop();

    const after = await startTestService(env);
    const restored = await after.gql<{ call: CallView }>(GET_CALL, { id: call.id });
    expect(restored.data!.call.state).toBe('RINGING');
    expect(restored.data!.call.playbacks.map((p) => p.status)).toEqual(['QUEUED', 'QUEUED']);

    await bandwidth.sim('POST', `/control/calls/${call.bandwidthCallId}/answer`);
    const played = await waitForCall(after, call.id, 'both files to play after the restart', (c) => c.playbacks.every((p) => p.status === 'DONE'));
    expect(played.state).toBe('ACTIVE');
    expect(played.events!.map((e) => e.sequence)).toEqual(played.events!.map((_, i) => i + 1));
  });

  it('ends at once, from Bandwidth’s records, a call whose end it missed while it was down', async () => {
    const bandwidth = await standaloneBandwidth();
    const { env } = bandwidth;
    const before = await startTestService(env);
    const { data } = await before.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('long', 60_000) }] } });
    const call = await waitForCall(before, data!.createCall.id, 'the file to play', (c) => c.state === 'ACTIVE' && c.playbacks[0]!.status === 'PLAYING');
    await before.stop();

    // While we are down the far end hangs up, and its webhook never reaches us (held for good).
    await bandwidth.sim('POST', `/control/calls/${call.bandwidthCallId}/hold`);
    await bandwidth.sim('POST', `/control/calls/${call.bandwidthCallId}/hangup`, { cause: 'NORMAL_CLEARING' });

    // The watchdog alone would wait RECONCILE_AFTER_MS (5 min) of silence: the start checks at once.
    const after = await startTestService(env);
    const ended = await waitForCall(after, call.id, 'the missed end to be reconciled', (c) => c.endedAt !== null);
    expect(ended).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP' });
    expect(ended.events!.filter((e) => e.source === 'RECONCILED').map((e) => e.type)).toEqual(['hangup']);
  });
});
