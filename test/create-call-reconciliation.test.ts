import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

async function callsAtBandwidthTagged(service: TestService, tag: string): Promise<number> {
  const calls = await service.sim<Array<{ tag?: string }>>('GET', '/control/calls');
  return calls.filter((c) => c.tag === tag).length;
}

function placed(service: TestService, id: string): Promise<CallView> {
  // Until the dial records its outcome: on v2 the answer (which carries our tag) may name the call
  // before the dialer's own lookup does, as Bandwidth's v2 call state has no tag to find it by.
  return waitForCall(
    service,
    id,
    'the call to be placed',
    (c) => c.playbacks.every((p) => p.status === 'DONE') && Boolean(c.bandwidthCallId) && c.events!.some((e) => e.type === 'call.dialed'),
  );
}

forEachSetup('a create whose outcome is unknown', () => {
  it.each([
    ['the connection resets after Bandwidth created the call', { type: 'reset-after-processing' }],
    ['the answer comes after our timeout', { type: 'delay', delayMs: 1500, process: true }],
  ])('is found by its tag, not dialled again, when %s', async (_name, action) => {
    const service = await startTestService({ BANDWIDTH_TIMEOUT_MS: '400' });
    await service.sim('PUT', '/control/faults/api', [{ method: 'POST', path: '/calls$', times: 1, action }]);
    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('hello', 40) }] },
    });
    expect(errors).toBeUndefined();
    const call = await placed(service, data!.createCall.id);
    expect(await callsAtBandwidthTagged(service, call.id)).toBe(1);
    const types = call.events!.map((e) => e.type);
    expect(types).toContain('call.dial_outcome_unknown');
    expect(call.events!.find((e) => e.type === 'call.dialed')!.payload).toMatchObject({ reconciled: true });
  });

  it('is dialled again when the lookup shows Bandwidth never created it', async () => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/api', [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'reset' } }]);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('hello', 40) }] },
    });
    const call = await placed(service, data!.createCall.id);
    expect(await callsAtBandwidthTagged(service, call.id)).toBe(1);
    expect(call.events!.filter((e) => e.type === 'call.dialing').map((e) => e.payload.attempt)).toEqual([1, 2]);
  });
});
