import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import { answeredCall, callDomain, fileUrl, placeCall, stopServices } from '../support/call-domain.js';
import { StoreUnavailableError } from '../../src/calls/call-store.js';

afterEach(stopServices);

describe('an ended call', () => {
  it('stays ended when a late answer arrives, which is logged with applied: false', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    await domain.service.ingest(domain.bw.hangup(call, 'USER_BUSY'));
    const ended = await domain.call(call.id);

    expect(await domain.service.ingest(domain.bw.answer(call, domain.clock.advance(1000)))).toMatchObject({ status: 'recorded' });
    await domain.service.idle();
    expect(await domain.call(call.id)).toEqual({ ...ended, lastSequence: ended.lastSequence + 1, updatedAt: domain.clock.now() });
    expect((await domain.store.listEvents(call.id, ended.lastSequence, 10))[0]).toMatchObject({ type: 'answer', applied: false });
    expect(domain.gateway.requestsOf('playAudio')).toEqual([]);
  });

  it('keeps its first ending when a second hangup arrives', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    await domain.service.ingest(domain.bw.hangup(call, 'USER_BUSY'));
    await domain.service.ingest(domain.bw.hangup(call, 'NORMAL_CLEARING', domain.clock.advance(500)));

    expect(await domain.call(call.id)).toMatchObject({ state: 'FAILED', endReason: 'BUSY', hangupCause: 'USER_BUSY' });
    const hangups = (await domain.store.listEvents(call.id, 0, 10)).filter((e) => e.type === 'hangup');
    expect(hangups.map((e) => e.applied)).toEqual([true, false]);
  });

  it('logs a playback event for one of its files with applied: false', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['hello']);
    const [playback] = await domain.store.listPlaybacks(call.id);
    await domain.service.ingest(domain.bw.hangup(call));
    await domain.service.ingest(domain.bw.playbackStarted(call, playback!.id));

    expect(await domain.store.getPlayback(playback!.id)).toMatchObject({ status: 'STOPPED', startedAt: null });
    expect((await domain.store.listEvents(call.id, 0, 100)).at(-1)).toMatchObject({ type: 'playback', applied: false });
  });

  it('refuses playAudio, stopAudio and hangUpCall with CALL_NOT_ACTIVE and changes nothing', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    await domain.service.ingest(domain.bw.hangup(call));
    const ended = await domain.call(call.id);

    const notActive = { code: CallErrorCode.CALL_NOT_ACTIVE, details: { callId: call.id, state: 'COMPLETED' } };
    await expect(domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('late') })).rejects.toMatchObject(notActive);
    await expect(domain.service.stopAudio(call.id)).rejects.toMatchObject(notActive);
    await expect(domain.service.hangUpCall(call.id)).rejects.toMatchObject(notActive);
    expect(await domain.call(call.id)).toEqual(ended);
    expect(await domain.store.listPlaybacks(call.id)).toEqual([]);
  });
});

describe('a redelivered event', () => {
  it('is counted as a delivery of the event already logged, not logged or applied again', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    const answer = domain.bw.answer(call);
    const first = await domain.service.ingest(answer);
    const again = await domain.service.ingest(answer);
    await domain.service.idle();

    expect(first).toMatchObject({ status: 'applied' });
    expect(again).toEqual({ status: 'duplicate', callId: call.id, ended: false, requests: expect.any(Promise) });
    const answers = (await domain.store.listEvents(call.id, 0, 100)).filter((e) => e.type === 'answer');
    expect(answers).toMatchObject([{ deliveries: 2, applied: true }]);
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);
  });

  it('changes nothing on an ended call but its delivery count', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    const hangup = domain.bw.hangup(call, 'CALL_REJECTED');
    await domain.service.ingest(hangup);
    const ended = await domain.call(call.id);
    const changes = domain.notifier.changes.length;

    expect(await domain.service.ingest(hangup)).toEqual({ status: 'duplicate', callId: call.id, ended: true, requests: expect.any(Promise) });
    expect(await domain.call(call.id)).toEqual(ended);
    expect(domain.notifier.changes).toHaveLength(changes);
    expect((await domain.store.listEvents(call.id, 0, 10)).at(-1)).toMatchObject({ type: 'hangup', deliveries: 2 });
  });

  it('of an incoming call creates one call', async () => {
    const domain = callDomain();
    const incoming = domain.bw.incoming('c-inbound', '+13233326955', '+19195550100');
    const first = await domain.service.ingest(incoming);
    const again = await domain.service.ingest(incoming);

    expect(again).toEqual({ status: 'duplicate', callId: (first as { callId: string }).callId, ended: false, requests: expect.any(Promise) });
    expect(await domain.store.listCalls({ first: 10 })).toHaveLength(1);
  });
});

describe('an event whose store dropped its connection mid-transaction', () => {
  it('is applied on a second try before it is answered: v2 would end a call whose webhook we failed', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    domain.store.failNextCommit(new StoreUnavailableError('unreachable', { cause: new Error('terminating connection due to administrator command') }));
    const outcome = await domain.service.ingest(domain.bw.answer(call));
    await outcome.requests;
    await domain.service.idle();

    expect(outcome).toMatchObject({ status: 'applied', callId: call.id });
    expect(await domain.call(call.id)).toMatchObject({ state: 'ACTIVE' });
    expect((await domain.store.listEvents(call.id, 0, 100)).filter((e) => e.type === 'answer')).toMatchObject([{ deliveries: 1, applied: true }]);
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);
  });

  it.each([
    ['a full disk', new StoreUnavailableError('disk full', { cause: new Error('SQLITE_FULL') })],
    ['a bug', new Error('a bug')],
  ])('is not tried again for %s', async (_name, failure) => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    domain.store.failNextCommit(failure);
    await expect(domain.service.ingest(domain.bw.answer(call))).rejects.toThrow(failure.message);
    expect(await domain.call(call.id)).toMatchObject({ state: 'RINGING' });
  });
});
