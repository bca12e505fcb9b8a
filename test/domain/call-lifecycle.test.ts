import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import { FROM, TO, answeredCall, callDomain, fileUrl, placeCall, stopServices, until } from '../support/call-domain.js';

afterEach(stopServices);

describe('an outbound call', () => {
  it('is stored QUEUED, dialled as REQUESTED, and RINGING once the provider accepts it', async () => {
    const domain = callDomain();
    const call = await domain.service.createCall({ from: FROM, to: TO, callTimeoutSeconds: 30 });

    const providerCallId = domain.gateway.providerCallIdOf(call.id);
    expect(call).toMatchObject({ state: 'RINGING', direction: 'OUTBOUND', providerCallId });
    expect(domain.notifier.of(call.id).map((change) => change.call.state)).toEqual(['QUEUED', 'REQUESTED', 'RINGING']);
    expect(await domain.log(call.id)).toEqual(['call.requested', 'call.dialing', 'call.dialed']);
    expect(domain.gateway.requests).toEqual([
      {
        kind: 'createCall',
        callId: call.id,
        call: {
          from: FROM,
          to: TO,
          callTimeoutSeconds: 30,
          tag: call.id,
          callbackUrl: expect.stringContaining('/webhooks/bandwidth'),
        },
      },
    ]);
  });

  it('waits QUEUED for its turn when calls come faster than the outbound call rate', async () => {
    const domain = callDomain({ callsPerSecond: 0.001 });
    const first = await placeCall(domain);
    const second = await placeCall(domain);

    expect([first.state, second.state]).toEqual(['RINGING', 'QUEUED']);
    expect(domain.gateway.requestsOf('createCall').map((r) => r.call.tag)).toEqual([first.id]);
  });

  it('becomes ACTIVE when the provider reports the answer, answered at the time the event gives', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    const answer = domain.bw.answer(call, domain.clock.advance(1500));

    expect(await domain.service.ingest(answer)).toEqual({ status: 'applied', callId: call.id, sequence: 4, ended: false, requests: expect.any(Promise) });
    expect(await domain.call(call.id)).toMatchObject({ state: 'ACTIVE', answeredAt: answer.occurredAt, endedAt: null });
  });

  it('completes with HANGUP when either side hangs up after the answer, keeping the provider cause', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const hangup = domain.bw.hangup(call, 'NORMAL_CLEARING', domain.clock.advance(60_000));
    await domain.service.ingest(hangup);

    expect(await domain.call(call.id)).toMatchObject({
      state: 'COMPLETED',
      endReason: 'HANGUP',
      hangupCause: 'NORMAL_CLEARING',
      endedAt: hangup.occurredAt,
    });
  });

  it.each([
    ['ORIGINATOR_CANCEL', 'COMPLETED', 'CANCELLED'],
    ['NORMAL_CLEARING', 'COMPLETED', 'CANCELLED'],
    ['USER_BUSY', 'FAILED', 'BUSY'],
    ['CALL_REJECTED', 'FAILED', 'REJECTED'],
    ['NO_ANSWER', 'FAILED', 'NO_ANSWER'],
    ['UNALLOCATED_NUMBER', 'FAILED', 'UNREACHABLE'],
    ['NORMAL_TEMPORARY_FAILURE', 'FAILED', 'UNREACHABLE'],
    ['SOMETHING_NEW', 'FAILED', 'ERROR'],
  ])('ended before the answer with cause %s is %s with endReason %s', async (cause, state, endReason) => {
    const domain = callDomain();
    const call = await placeCall(domain);
    await domain.service.ingest(domain.bw.hangup(call, cause));

    expect(await domain.call(call.id)).toMatchObject({ state, endReason, hangupCause: cause, answeredAt: null });
  });

  it('fails with NO_ANSWER when the provider reports a timeout before the answer', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    await domain.service.ingest(domain.bw.timeout(call));

    expect(await domain.call(call.id)).toMatchObject({ state: 'FAILED', endReason: 'NO_ANSWER', hangupCause: 'NO_ANSWER' });
  });

  it('logs a timeout after the answer with applied: false and stays ACTIVE', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const outcome = await domain.service.ingest(domain.bw.timeout(call));

    expect(outcome).toMatchObject({ status: 'recorded' });
    expect((await domain.call(call.id)).state).toBe('ACTIVE');
    expect((await domain.store.listEvents(call.id, 0, 100)).at(-1)).toMatchObject({ type: 'timeout', applied: false });
  });

  it('fails with BANDWIDTH_ERROR when the provider refuses the dial, and createCall says so with the call id', async () => {
    const domain = callDomain();
    domain.gateway.fail('createCall', { code: 'invalid-call-to-number', status: 403 });

    const refusal = await domain.service.createCall({ from: FROM, to: TO }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({
      code: CallErrorCode.BANDWIDTH_ERROR,
      details: { callId: expect.stringMatching(/^call_/), bandwidthCode: 'invalid-call-to-number', status: 403 },
    });
    const callId = (refusal as { details: { callId: string } }).details.callId;
    expect(await domain.call(callId)).toMatchObject({
      state: 'FAILED',
      endReason: 'BANDWIDTH_ERROR',
      hangupCause: 'invalid-call-to-number',
      providerCallId: null,
    });
    expect(await domain.log(callId)).toEqual(['call.requested', 'call.dialing', 'call.failed']);
  });

  it('takes an answer that beats the create response, finding the call by its tag', async () => {
    const domain = callDomain();
    const release = domain.gateway.hold('createCall');
    const creating = domain.service.createCall({ from: FROM, to: TO });
    await until(() => domain.gateway.requestsOf('createCall').length === 1, 'the dial');
    const [{ call: request }] = domain.gateway.requestsOf('createCall');

    const outcome = await domain.service.ingest(domain.bw.answer({ id: request.tag, providerCallId: 'c-early' }));
    release();
    const call = await creating;

    expect(outcome).toMatchObject({ status: 'applied', callId: request.tag });
    expect(call).toMatchObject({ state: 'ACTIVE', providerCallId: 'c-early' });
    const log = await domain.store.listEvents(call.id, 0, 100);
    expect(log.map((e) => [e.type, e.applied])).toEqual([
      ['call.requested', true],
      ['call.dialing', true],
      ['answer', true],
      ['call.dialed', false],
    ]);
  });

  it('logs an event it does not act on with applied: false and changes nothing else', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    await domain.service.ingest(domain.bw.dtmf(call));

    expect(await domain.call(call.id)).toMatchObject({ state: 'ACTIVE', lastSequence: call.lastSequence + 1 });
    expect((await domain.store.listEvents(call.id, call.lastSequence, 10))[0]).toMatchObject({ type: 'dtmf', applied: false });
  });

  it('keeps an event that matches no call aside as unmatched', async () => {
    const domain = callDomain();
    const { tag: _tag, ...untagged } = domain.bw.answer({ id: 'call_unknown', providerCallId: 'c-nobody' });
    const outcome = await domain.service.ingest(untagged);

    expect(outcome).toEqual({ status: 'unmatched', requests: expect.any(Promise) });
    expect(await domain.store.listUnmatchedEvents(10)).toMatchObject([{ providerCallId: 'c-nobody', eventType: 'answer' }]);
    expect(await domain.store.listCalls({ first: 10 })).toEqual([]);
  });
});

describe('what binds an event to a call', () => {
  /** Refuses `event`: nothing about any call changes, and the event is kept aside with the reason. */
  async function expectRefused(domain: ReturnType<typeof callDomain>, event: Parameters<typeof domain.service.ingest>[0], reason: RegExp) {
    const before = await domain.store.listCalls({ first: 10 });
    const outcome = await domain.service.ingest(event);
    expect(outcome).toEqual({ status: 'rejected', reason: expect.stringMatching(reason), requests: expect.any(Promise) });
    expect(await domain.store.listCalls({ first: 10 })).toEqual(before);
    expect((await domain.store.listUnmatchedEvents(1))[0]).toMatchObject({ providerCallId: event.providerCallId, reason: expect.stringMatching(reason) });
  }

  it("refuses an event whose tag names one call and whose provider id is another's", async () => {
    const domain = callDomain();
    const a = await placeCall(domain, [fileUrl('a')]);
    const b = await placeCall(domain, [fileUrl('b')]);

    await expectRefused(domain, domain.bw.answer({ id: a.id, providerCallId: b.providerCallId }), /another id/);
    expect(domain.gateway.requestsOf('playAudio')).toEqual([]);
  });

  it('refuses an event whose tag names no call of ours, even with a known provider id', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    await expectRefused(domain, domain.bw.answer({ id: 'call_forged', providerCallId: call.providerCallId }), /no call of ours/);
  });

  it('refuses to tell a queued call, not dialled yet, a provider id', async () => {
    const domain = callDomain({ callsPerSecond: 0.001 });
    await placeCall(domain);
    const queued = await placeCall(domain);
    expect(queued.state).toBe('QUEUED');

    await expectRefused(domain, domain.bw.answer({ id: queued.id, providerCallId: 'c-invented' }), /not been placed/);
    expect(await domain.call(queued.id)).toMatchObject({ state: 'QUEUED', providerCallId: null });
  });
});
