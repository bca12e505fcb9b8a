import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { hangupCause, playRequests, withholdCallbacks } from './support/bandwidth-api.js';
import { disposeAll, startTestService, waitForCall } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('the watchdog', () => {
  it('ends a call whose hangup event never arrived, from Bandwidth’s records', async () => {
    const service = await startTestService({ RECONCILE_AFTER_MS: '1000' });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const call = await waitForCall(service, data!.createCall.id, 'answered', (c) => c.state === 'ACTIVE');

    // The far end hangs up, but the hangup callback is lost (held and never released).
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/hold`);
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/hangup`, { cause: 'NORMAL_CLEARING' });

    const ended = await waitForCall(service, call.id, 'reconciled as ended', (c) => c.state === 'COMPLETED');
    expect(ended).toMatchObject({ endReason: 'HANGUP', hangupCause: hangupCause('NORMAL_CLEARING') });
    const hangup = ended.events!.find((e) => e.type === 'hangup')!;
    expect(hangup).toMatchObject({ source: 'RECONCILED', applied: true });
    expect(hangup.payload).toMatchObject({ reconciled: true, cause: hangupCause('NORMAL_CLEARING') });
  });

  it('answers a call whose answer event never arrived, and its queue plays', async () => {
    const service = await startTestService({ RECONCILE_AFTER_MS: '1000', SIMULATOR_ANSWER_DELAY_MS: '300' });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('late', 40) }] },
    });
    const call = data!.createCall;
    const withheld = await withholdCallbacks(service.sim, call.bandwidthCallId!);

    const active = await waitForCall(service, call.id, 'reconciled as answered', (c) => c.state === 'ACTIVE');
    expect(active.events!.find((e) => e.type === 'answer')).toMatchObject({ source: 'RECONCILED' });
    await service.server.service.idle();
    expect(await playRequests(service.sim, call.bandwidthCallId!)).toHaveLength(1);

    // When the held events finally arrive they are recorded and change nothing.
    await withheld.release();
    const after = await waitForCall(service, call.id, 'the late answer recorded', (c) => c.events!.some((e) => e.type === 'answer' && e.source === 'BANDWIDTH'));
    expect(after.events!.find((e) => e.type === 'answer' && e.source === 'BANDWIDTH')!.applied).toBe(false);
  });
});
