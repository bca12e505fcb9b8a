import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import type { CallRecord } from '../../src/calls/call.js';
import { callDomain, fileUrl, placeCall, stopServices, type CallDomain } from '../support/call-domain.js';

afterEach(stopServices);

const CALLER = '+13233326955';
const OUR_NUMBER = '+19195550100';

async function incomingCall(domain: CallDomain, providerCallId = 'c-inbound'): Promise<CallRecord> {
  const outcome = await domain.service.ingest(domain.bw.incoming(providerCallId, CALLER, OUR_NUMBER));
  if (outcome.status !== 'applied') throw new Error(`incoming call not applied: ${outcome.status}`);
  return domain.call(outcome.callId);
}

describe('an inbound call', () => {
  it('starts RINGING as an INBOUND call when the provider announces it', async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);

    expect(call).toMatchObject({
      direction: 'INBOUND',
      state: 'RINGING',
      from: CALLER,
      to: OUR_NUMBER,
      providerCallId: 'c-inbound',
    });
    expect(await domain.log(call.id)).toEqual(['incomingcall']);
    expect(domain.notifier.of(call.id).map((change) => change.call.state)).toEqual(['RINGING']);
    expect(domain.gateway.requests).toEqual([]);
  });

  it('is answered by answerCall, and the files queued while it rang then play', async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);
    const queued = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('welcome') });
    expect(queued.status).toBe('QUEUED');

    const answered = await domain.service.answerCall(call.id);
    await domain.service.idle();

    expect(answered).toMatchObject({ state: 'ACTIVE', answeredAt: domain.clock.now() });
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['answer', 'playAudio']);
    expect(domain.gateway.playedTags()).toEqual([queued.id]);
    expect(await domain.log(call.id)).toEqual([
      'incomingcall',
      'playback.queued',
      'call.answer_requested',
      'call.answered',
      'playback.requested',
    ]);
  });

  it("logs the provider's answer event that follows answerCall with applied: false", async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);
    await domain.service.answerCall(call.id);

    expect(await domain.service.ingest(domain.bw.answer(call))).toMatchObject({ status: 'recorded' });
    expect((await domain.call(call.id)).state).toBe('ACTIVE');
  });

  it('is not answered twice: answerCall on an answered call is refused with CALL_NOT_RINGING', async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);
    await domain.service.answerCall(call.id);

    await expect(domain.service.answerCall(call.id)).rejects.toMatchObject({
      code: CallErrorCode.CALL_NOT_RINGING,
      details: { callId: call.id, state: 'ACTIVE' },
    });
    expect(domain.gateway.requestsOf('answer')).toHaveLength(1);
  });

  it('that has ended is refused by answerCall with CALL_NOT_ACTIVE', async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);
    await domain.service.ingest(domain.bw.hangup(call, 'ORIGINATOR_CANCEL'));

    await expect(domain.service.answerCall(call.id)).rejects.toMatchObject({ code: CallErrorCode.CALL_NOT_ACTIVE });
    expect(await domain.call(call.id)).toMatchObject({ state: 'COMPLETED', endReason: 'CANCELLED' });
  });

  it('stays RINGING when the provider refuses the answer, and answerCall says BANDWIDTH_ERROR', async () => {
    const domain = callDomain();
    const call = await incomingCall(domain);
    domain.gateway.fail('answer', { code: 'call-invalid-state', status: 400 });

    await expect(domain.service.answerCall(call.id)).rejects.toMatchObject({
      code: CallErrorCode.BANDWIDTH_ERROR,
      details: { callId: call.id, bandwidthCode: 'call-invalid-state', status: 400 },
    });
    expect((await domain.call(call.id)).state).toBe('RINGING');
    expect((await domain.log(call.id)).at(-1)).toBe('call.answer_failed');
  });
});

describe('answerCall', () => {
  it('refuses an outbound call with BAD_USER_INPUT', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);

    await expect(domain.service.answerCall(call.id)).rejects.toMatchObject({ code: CallErrorCode.BAD_USER_INPUT });
    expect(domain.gateway.requestsOf('answer')).toEqual([]);
  });

  it('refuses an unknown call with NOT_FOUND', async () => {
    const domain = callDomain();
    await expect(domain.service.answerCall('call_nobody')).rejects.toMatchObject({ code: CallErrorCode.NOT_FOUND });
  });
});
