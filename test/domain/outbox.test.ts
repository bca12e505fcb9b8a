import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { FROM, TO, answeredCall, callDomain, fileUrl, placeCall, stopServices, until } from '../support/call-domain.js';

afterEach(() => {
  stopServices();
  jest.useRealTimers();
});

describe('a request to the provider', () => {
  it('is sent only once the change that decided it is committed', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    const release = domain.gateway.hold('playAudio');
    await domain.service.ingest(domain.bw.answer(call));
    await until(() => domain.gateway.requestsOf('playAudio').length === 1, 'the play request');

    // While the provider has the request in hand, the decision is already in the store.
    const [playback] = await domain.store.listPlaybacks(call.id);
    expect(playback).toMatchObject({ status: 'PLAYING' });
    expect((await domain.log(call.id)).at(-1)).toBe('playback.requested');
    expect(domain.store.outbox().at(-1)).toMatchObject({
      status: 'pending',
      attempts: 1,
      effect: { kind: 'play', playbackId: playback!.id },
    });

    release();
    await domain.service.idle();
    expect(domain.store.outbox().at(-1)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('is never sent when the change that decided it fails to commit, and a redelivery then plays once', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    const answer = domain.bw.answer(call);
    domain.store.failNextCommit(new Error('disk full'));

    await expect(domain.service.ingest(answer)).rejects.toThrow('disk full');
    await domain.service.idle();
    expect(domain.gateway.requestsOf('playAudio')).toEqual([]);
    expect(await domain.call(call.id)).toEqual(call);
    expect(domain.store.outbox()).toHaveLength(1);

    expect(await domain.service.ingest(answer)).toMatchObject({ status: 'applied' });
    await domain.service.idle();
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);
  });

  it("goes out in the order the call's changes decided, one at a time", async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['long']);
    const release = domain.gateway.hold('stopAudio');
    const urgent = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('urgent'), interrupt: true });
    await until(() => domain.gateway.requestsOf('stopAudio').length === 1, 'the stop request');

    // The play decided after the stop waits for the provider to answer the stop.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['createCall', 'playAudio', 'stopAudio']);
    release();
    await domain.service.idle();
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['createCall', 'playAudio', 'stopAudio', 'playAudio']);
    expect(domain.gateway.playedTags().at(-1)).toBe(urgent.id);
  });

  it('left pending by an instance that stopped is sent by the next one on resume()', async () => {
    const domain = callDomain({ callsPerSecond: 0.001 });
    await placeCall(domain);
    const waiting = await placeCall(domain);
    expect(waiting.state).toBe('QUEUED');

    const next = domain.restart({ callsPerSecond: Infinity });
    expect(await next.resume()).toBe(1);
    await next.idle();
    expect(domain.gateway.requestsOf('createCall').map((r) => r.call.tag)).toEqual([expect.any(String), waiting.id]);
    expect(await domain.call(waiting.id)).toMatchObject({ state: 'RINGING' });
  });

  it('whose send never came back (the instance died mid-send) is sent again by the next instance', async () => {
    const domain = callDomain();
    domain.gateway.hold('playAudio', 1); // never released: the first instance is gone
    const call = await placeCall(domain, ['hello']);
    await domain.service.ingest(domain.bw.answer(call));
    await until(() => domain.gateway.requestsOf('playAudio').length === 1, 'the first play request');

    const next = domain.restart();
    expect(await next.resume()).toBe(1);
    await next.idle();
    const [playback] = await domain.store.listPlaybacks(call.id);
    // At least once: the provider may never have had the first request, and nobody said it started.
    expect(domain.gateway.playedTags()).toEqual([playback!.id, playback!.id]);
    expect(domain.store.outbox().at(-1)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('to play a file the provider reported started is not sent again after a restart', async () => {
    const domain = callDomain();
    domain.gateway.hold('playAudio', 1);
    const call = await placeCall(domain, ['hello']);
    await domain.service.ingest(domain.bw.answer(call));
    await until(() => domain.gateway.requestsOf('playAudio').length === 1, 'the first play request');
    const [playback] = await domain.store.listPlaybacks(call.id);
    await domain.service.ingest(domain.bw.playbackStarted(call, playback!.id));

    const next = domain.restart();
    await next.resume();
    await next.idle();
    expect(domain.gateway.playedTags()).toEqual([playback!.id]);
    expect(domain.store.outbox().at(-1)).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('held by another instance is taken over only once that lease has run out', async () => {
    const domain = callDomain({ outboxLeaseMs: 30_000 });
    domain.gateway.hold('playAudio', 1);
    const call = await placeCall(domain, ['hello']);
    await domain.service.ingest(domain.bw.answer(call));
    await until(() => domain.gateway.requestsOf('playAudio').length === 1, 'the first play request');

    expect(await domain.restart({ instanceId: 'instance-b' }).resume()).toBe(0);
    domain.clock.advance(30_001);
    const takeover = domain.restart({ instanceId: 'instance-b' });
    expect(await takeover.resume()).toBe(1);
    await takeover.idle();

    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(2);
    expect(domain.store.outbox().at(-1)).toMatchObject({ status: 'done', lockedBy: 'instance-b' });
  });
});

describe('a dial that failed on our side', () => {
  it('is tried again by the dialler after a back-off, which adopts the call the failed attempt placed', async () => {
    const domain = callDomain();
    const release = domain.gateway.hold('createCall');
    const creating = domain.service.createCall({ from: FROM, to: TO });
    await until(() => domain.gateway.requestsOf('createCall').length === 1, 'the create');
    // The provider placed the call, but the store fails as its answer is written down.
    domain.store.failNextCommit(new Error('connection terminated'));
    release();
    const call = await creating;
    expect(call.state).toBe('REQUESTED');

    // Not left for the outbox sweep (half a lease, 15 s): the dialler itself tries again.
    await until(async () => (await domain.call(call.id)).state === 'RINGING', 'the call to ring', 5000);
    expect(await domain.call(call.id)).toMatchObject({ providerCallId: domain.gateway.providerCallIdOf(call.id) });
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['createCall', 'findCallByTag']);
    expect(await domain.log(call.id)).toEqual(['call.requested', 'call.dialing', 'call.dial_outcome_unknown', 'call.dialed']);
    await domain.service.idle();
    expect(domain.store.outbox()).toEqual([expect.objectContaining({ status: 'done', attempts: 2 })]);
  });
});

describe('a request other than a dial that failed on our side', () => {
  it('is made again after a back-off, not left for the outbox sweep', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['hello']);
    const release = domain.gateway.hold('playAudio');
    await domain.service.ingest(domain.bw.answer(call));
    await until(() => domain.gateway.requestsOf('playAudio').length === 1, 'the play request');
    // The provider took the request, but the store fails as its answer is written down.
    domain.store.failNextCommit(new Error('connection terminated'));
    release();

    // Its outcome unrecorded, the play is sent again (Bandwidth never reported it started).
    await until(() => domain.store.outbox().at(-1)!.status === 'done', 'the play to be done', 5000);
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(2);
    expect(domain.store.outbox().at(-1)).toMatchObject({ effect: { kind: 'play' }, status: 'done', attempts: 2 });
    const [playback] = await domain.store.listPlaybacks(call.id);
    expect(playback).toMatchObject({ status: 'PLAYING' });
  });
});

describe('a dial whose outcome is unknown', () => {
  /** The ring timeout when a create names none (the scripted provider's, v2's), and the margin this suite sets. */
  const RING_MS = 30_000;
  const MARGIN_MS = 10_000;

  /** A domain whose clock is jest's fake one, so its time and the dialler's timers move together. */
  function domainOnFakeTime() {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: new Date('2026-01-01T10:00:00.000Z') });
    return callDomain({ clock: () => new Date(), unconfirmedDialMarginMs: MARGIN_MS });
  }

  it('is looked up by its tag, and the call the provider placed is adopted instead of dialled twice', async () => {
    const domain = callDomain();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true, tookEffect: true });
    const call = await domain.service.createCall({ from: FROM, to: TO });

    expect(call).toMatchObject({ state: 'RINGING', providerCallId: domain.gateway.providerCallIdOf(call.id) });
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['createCall', 'findCallByTag']);
    expect(domain.gateway.requestsOf('findCallByTag')).toEqual([
      { kind: 'findCallByTag', callId: call.id, tag: call.id, dialled: { from: FROM, to: TO, since: expect.any(Date) } },
    ]);
    const log = await domain.store.listEvents(call.id, 0, 100);
    expect(log.map((e) => e.type)).toEqual(['call.requested', 'call.dialing', 'call.dial_outcome_unknown', 'call.dialed']);
    expect(log.at(-1)!.payload).toMatchObject({ reconciled: true });
  });

  it('stays UNCONFIRMED, not dialled again, until the ring timeout and the margin have passed with no sign of it; then it is dialled once more', async () => {
    const domain = domainOnFakeTime();
    domain.gateway.fail('createCall', { code: 'network-error', status: 502, mayHaveTakenEffect: true });
    const sentAt = Date.now();
    const call = await domain.service.createCall({ from: FROM, to: TO });
    expect(call.state).toBe('UNCONFIRMED');
    const [, , unknown] = await domain.store.listEvents(call.id, 0, 100);
    expect(unknown).toMatchObject({
      type: 'call.dial_outcome_unknown',
      payload: { code: 'network-error', status: 502, sentAt: new Date(sentAt).toISOString(), settleBy: new Date(sentAt + RING_MS + MARGIN_MS).toISOString() },
    });

    await jest.advanceTimersByTimeAsync(RING_MS + MARGIN_MS - 1000);
    expect((await domain.call(call.id)).state).toBe('UNCONFIRMED');
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
    // Looked at again and again meanwhile, at growing intervals (1 s doubling to 15 s): not a poll per tick.
    const lookups = domain.gateway.requestsOf('findCallByTag').length;
    expect(lookups).toBeGreaterThanOrEqual(4);
    expect(lookups).toBeLessThanOrEqual(8);

    await jest.advanceTimersByTimeAsync(2000);
    await domain.service.idle();
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(2);
    expect(await domain.call(call.id)).toMatchObject({ state: 'RINGING', providerCallId: domain.gateway.providerCallIdOf(call.id) });
    const log = await domain.store.listEvents(call.id, 0, 100);
    expect(log.map((e) => e.type)).toEqual(['call.requested', 'call.dialing', 'call.dial_outcome_unknown', 'call.dialing', 'call.dialed']);
    expect(log[3].payload).toMatchObject({ previousAttempt: 'not placed' });
  });

  it('waits for the ring timeout the call was created with', async () => {
    const domain = domainOnFakeTime();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true });
    const call = await domain.service.createCall({ from: FROM, to: TO, callTimeoutSeconds: 90 });

    await jest.advanceTimersByTimeAsync(90_000 + MARGIN_MS - 1000);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2000);
    await domain.service.idle();
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(2);
    expect((await domain.call(call.id)).state).toBe('RINGING');
  });

  it('is settled at once by an event carrying its tag: answered, it plays its queue and is never dialled again', async () => {
    const domain = domainOnFakeTime();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true, tookEffect: true });
    // Records that cannot tell (v2's carry no tag): only the call's own events can.
    domain.gateway.fail('findCallByTag', { code: 'call-lookup-inconclusive' }, 100);
    const call = await domain.service.createCall({ from: FROM, to: TO, audio: [{ fileUrl: fileUrl('hello') }] });
    expect(call.state).toBe('UNCONFIRMED');

    const providerCallId = domain.gateway.providerCallIdOf(call.id)!;
    expect(await domain.service.ingest(domain.bw.answer({ id: call.id, providerCallId }))).toMatchObject({ status: 'applied' });
    await domain.service.idle();
    expect(await domain.call(call.id)).toMatchObject({ state: 'ACTIVE', providerCallId });
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(RING_MS + MARGIN_MS + 20_000);
    await domain.service.idle();
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
    expect(domain.store.outbox().find((item) => item.effect.kind === 'create')).toMatchObject({ status: 'done' });
    expect((await domain.log(call.id)).filter((type) => type === 'call.dialed')).toHaveLength(1);
  });

  it('is given up as FAILED, not dialled again, when the records still cannot rule it out at the end of the wait', async () => {
    const domain = domainOnFakeTime();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true });
    domain.gateway.fail('findCallByTag', { code: 'call-lookup-inconclusive' }, 100);
    const call = await domain.service.createCall({ from: FROM, to: TO });

    await jest.advanceTimersByTimeAsync(RING_MS + MARGIN_MS + 1000);
    await domain.service.idle();
    expect(await domain.call(call.id)).toMatchObject({ state: 'FAILED', endReason: 'BANDWIDTH_ERROR', hangupCause: 'dial-outcome-unknown' });
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
    expect(domain.store.outbox()).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('adopts a call the lookup finds already answered, and plays its queue', async () => {
    const domain = callDomain();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true, tookEffect: true });
    const release = domain.gateway.hold('findCallByTag');
    const creating = domain.service.createCall({ from: FROM, to: TO, audio: [{ fileUrl: fileUrl('hello') }] });
    await until(() => domain.gateway.requestsOf('findCallByTag').length === 1, 'the lookup');
    const [{ tag }] = domain.gateway.requestsOf('findCallByTag');
    domain.gateway.setStatus(domain.gateway.providerCallIdOf(tag)!, { state: 'active', answeredAt: domain.clock.now() });
    release();
    const call = await creating;
    await domain.service.idle();

    expect(call.state).toBe('ACTIVE');
    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);
  });

  it('is given up as FAILED after three creates whose outcome stayed unknown', async () => {
    const domain = domainOnFakeTime();
    domain.gateway.fail('createCall', { code: 'timeout', mayHaveTakenEffect: true }, 20);
    const call = await domain.service.createCall({ from: FROM, to: TO });

    for (let i = 0; i < 3; i += 1) await jest.advanceTimersByTimeAsync(RING_MS + MARGIN_MS + 1000);
    await domain.service.idle();
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(3);
    expect(await domain.call(call.id)).toMatchObject({ state: 'FAILED', hangupCause: 'dial-outcome-unknown' });
  });
});

describe('a dial the provider refuses with call-rate-limit', () => {
  it('sends the call back to QUEUED, holds every dial back for the pause, then dials it again', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const domain = callDomain();
    domain.gateway.fail('createCall', { code: 'call-rate-limit', status: 403 });
    const limited = await domain.service.createCall({ from: FROM, to: TO });
    const behind = await domain.service.createCall({ from: FROM, to: '+19195550124' });

    expect([limited.state, behind.state]).toEqual(['QUEUED', 'QUEUED']);
    expect(domain.store.outbox()[0]).toMatchObject({ status: 'pending', notBefore: new Date(domain.clock.now().getTime() + 2000) });
    await jest.advanceTimersByTimeAsync(1900);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(200);
    await domain.service.idle();
    // Both are dialled once the pause is over (in which order is the dialler's business).
    const dialled = domain.gateway.requestsOf('createCall').map((r) => r.call.tag);
    expect(dialled.sort()).toEqual([limited.id, limited.id, behind.id].sort());
    expect(await domain.call(limited.id)).toMatchObject({ state: 'RINGING' });
    expect(await domain.call(behind.id)).toMatchObject({ state: 'RINGING' });
    expect(await domain.log(limited.id)).toEqual([
      'call.requested',
      'call.dialing',
      'call.rate_limited',
      'call.dialing',
      'call.dialed',
    ]);
  });
});
