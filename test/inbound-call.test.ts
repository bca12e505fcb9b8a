import { afterEach, expect, it } from '@jest/globals';
import { ANSWER, ANSWERS, CALL_UPDATED, CREATE_CALL, FROM, PLAY_AUDIO, file, type CallView } from './support/documents.js';
import { hangupCause, injectIncomingCall, simulatedCall } from './support/bandwidth-api.js';
import { Subscription, disposeAll, startTestService, waitFor, waitForCall } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('an inbound call', () => {
  it('rings as INBOUND, plays its queue once answered with answerCall', async () => {
    const service = await startTestService();
    const updates = new Subscription<{ callUpdated: CallView }>(service.ws(), CALL_UPDATED);
    await service.waitForListeners(1);

    const { callId: bandwidthCallId } = await injectIncomingCall(service.sim, { from: '+13233326955', to: FROM });
    const ringing = await updates.waitFor('the inbound call', ({ callUpdated }) => callUpdated.bandwidthCallId === bandwidthCallId);
    const call = ringing.callUpdated;
    expect(call).toMatchObject({ direction: 'INBOUND', state: 'RINGING', from: '+13233326955', to: FROM });

    const queued = await service.gql<{ playAudio: { status: string } }>(PLAY_AUDIO, {
      input: { callId: call.id, fileUrl: file('welcome', 50) },
    });
    expect(queued.data!.playAudio.status).toBe('QUEUED');

    const answered = await service.gql<{ answerCall: CallView }>(ANSWER, { callId: call.id });
    expect(answered.errors).toBeUndefined();
    expect(answered.data!.answerCall.state).toBe('ACTIVE');

    await updates.waitFor('the welcome file to finish', ({ callUpdated }) =>
      callUpdated.id === call.id && callUpdated.playbacks[0]?.status === 'DONE',
    );
    const simCall = await simulatedCall(service.sim, bandwidthCallId);
    expect(simCall).toMatchObject({ state: 'active', direction: 'in' });

    const again = await service.gql(ANSWER, { callId: call.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CALL_NOT_RINGING', state: 'ACTIVE' });
  });

  it('refuses to answer an outbound call', async () => {
    const service = await startTestService();
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const { errors } = await service.gql(ANSWER, { callId: data!.createCall.id });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('records the caller hanging up before the answer as CANCELLED', async () => {
    const service = await startTestService();
    const { callId: bandwidthCallId } = await injectIncomingCall(service.sim, { from: '+13233326955', to: FROM });
    const callId = await waitFor('the inbound call', async () => {
      const { data } = await service.gql<{ calls: { nodes: CallView[] } }>('{ calls(first: 1) { nodes { id bandwidthCallId } } }');
      return data!.calls.nodes.find((c) => c.bandwidthCallId === bandwidthCallId)?.id;
    });
    await service.sim('POST', `/control/calls/${bandwidthCallId}/hangup`, { cause: 'ORIGINATOR_CANCEL' });
    const ended = await waitForCall(service, callId, 'the call to end', (c) => Boolean(c.endedAt));
    expect(ended).toMatchObject({ state: 'COMPLETED', endReason: 'CANCELLED', hangupCause: hangupCause('ORIGINATOR_CANCEL') });
  });
});
