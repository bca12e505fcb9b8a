import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

async function callsAtBandwidthTagged(service: TestService, tag: string): Promise<number> {
  const calls = await service.sim<Array<{ tag?: string }>>('GET', '/control/calls');
  return calls.filter((c) => c.tag === tag).length;
}

/** The create requests Bandwidth received, in order, with their answer's status and when they came. */
async function createsAtBandwidth(service: TestService): Promise<Array<{ status: number; at: string }>> {
  const requests = await service.sim<Array<{ method: string; path: string; status: number; at: string }>>('GET', '/control/requests');
  return requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path));
}

function placed(service: TestService, id: string, timeoutMs = 15_000): Promise<CallView> {
  // Until the dial records its outcome: on v2 the answer (which carries our tag) may name the call
  // before the dialer's own lookup does, as Bandwidth's v2 call state has no tag to find it by.
  return waitForCall(
    service,
    id,
    'the call to be placed',
    (c) => c.playbacks.every((p) => p.status === 'DONE') && Boolean(c.bandwidthCallId) && c.events!.some((e) => e.type === 'call.dialed'),
    timeoutMs,
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
    // Settled by the lookup, or by the call's own answer when it came before the create failed.
    expect(call.events!.filter((e) => e.type === 'call.dialing')).toHaveLength(1);
    expect(call.events!.find((e) => e.type === 'call.dialed')!.payload).toMatchObject({ reconciled: true });
  });

  it('is not dialled twice when Bandwidth placed the call, answered 500 and lists it only seconds later: its answer settles it', async () => {
    const service = await startTestService();
    // As an independent fake of v2 showed: the create fails after the call was placed, and the
    // call records (near-realtime, Bandwidth says) show it only 8 s later.
    await service.sim('PATCH', '/control/settings', { callRecordsDelayMs: 8000 });
    await service.sim('PUT', '/control/faults/api', [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'status', status: 500, process: true } }]);
    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('hello', 40) }] },
    });
    expect(errors).toBeUndefined();
    // UNCONFIRMED once the 500 came back, unless the call's answer (30 ms after the create) got here first.
    expect(['UNCONFIRMED', 'ACTIVE']).toContain(data!.createCall.state);

    const call = await placed(service, data!.createCall.id);
    expect(await callsAtBandwidthTagged(service, call.id)).toBe(1);
    expect((await createsAtBandwidth(service)).map((r) => r.status)).toEqual([500]);
    const types = call.events!.map((e) => e.type);
    expect(types.filter((type) => type === 'call.dialing')).toHaveLength(1);
    expect(call.events!.find((e) => e.type === 'call.dialed')!.payload).toMatchObject({ reconciled: true });
  });

  it('is dialled again once the ring timeout and the margin have passed with no sign that Bandwidth created it', async () => {
    const service = await startTestService({ UNCONFIRMED_DIAL_MARGIN_MS: '500' });
    await service.sim('PUT', '/control/faults/api', [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'reset' } }]);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, callTimeoutSeconds: 1, audio: [{ fileUrl: file('hello', 40) }] },
    });
    expect(data!.createCall.state).toBe('UNCONFIRMED');
    const call = await placed(service, data!.createCall.id);
    expect(await callsAtBandwidthTagged(service, call.id)).toBe(1);
    expect(call.events!.filter((e) => e.type === 'call.dialing').map((e) => e.payload.attempt)).toEqual([1, 2]);
    const { sentAt, settleBy } = call.events!.find((e) => e.type === 'call.dial_outcome_unknown')!.payload;
    expect(Date.parse(settleBy) - Date.parse(sentAt)).toBe(1500);
    // Not sent again before the wait was over: one second of ring timeout and half a second of margin.
    const creates = await createsAtBandwidth(service);
    expect(creates).toHaveLength(2);
    expect(Date.parse(creates[1].at)).toBeGreaterThanOrEqual(Date.parse(settleBy));
  });
});
