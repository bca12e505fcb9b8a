import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import { FROM, TO, answeredCall, callDomain, placeCall, stopServices, until } from '../support/call-domain.js';

afterEach(stopServices);

describe('hangUpCall', () => {
  it('cancels a call still QUEUED for its turn without ever dialling it', async () => {
    const domain = callDomain({ callsPerSecond: 0.001 });
    await placeCall(domain);
    const queued = await placeCall(domain, ['never']);
    expect(queued.state).toBe('QUEUED');

    const hungUp = await domain.service.hangUpCall(queued.id);

    expect(hungUp).toMatchObject({ state: 'COMPLETED', endReason: 'CANCELLED', providerCallId: null });
    expect((await domain.log(queued.id)).slice(-2)).toEqual(['call.hung_up', 'playback.cancelled']);
    const hungUpEvent = (await domain.store.listEvents(queued.id, 0, 10)).find((e) => e.type === 'call.hung_up');
    expect(hungUpEvent!.payload).toEqual({ by: 'api', dialled: false });
    expect((await domain.store.listPlaybacks(queued.id)).map((p) => p.status)).toEqual(['CANCELLED']);
    expect(domain.store.outbox().filter((row) => row.callId === queued.id).map((row) => row.status)).toEqual(['cancelled']);
    // Its turn comes and goes: resuming sends nothing for it.
    expect(await domain.restart().resume()).toBe(0);
    await domain.service.idle();
    expect(domain.gateway.requestsOf('createCall').map((r) => r.call.tag)).not.toContain(queued.id);
  });

  it('asks the provider to end a ringing call, which completes as CANCELLED once the provider confirms', async () => {
    const domain = callDomain();
    const call = await placeCall(domain);
    const hungUp = await domain.service.hangUpCall(call.id);

    expect(hungUp).toMatchObject({ state: 'COMPLETED', endReason: 'CANCELLED', hangupCause: null });
    expect(domain.gateway.requestsOf('hangUp')).toEqual([{ kind: 'hangUp', callId: call.id, providerCallId: call.providerCallId }]);
    expect((await domain.log(call.id)).slice(-2)).toEqual(['call.hangup_requested', 'call.hung_up']);
  });

  it('ends an answered call as HANGUP', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['playing']);
    const hungUp = await domain.service.hangUpCall(call.id);

    expect(hungUp).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP' });
    expect((await domain.store.listPlaybacks(call.id)).map((p) => p.status)).toEqual(['STOPPED']);
  });

  it("logs the provider's own hangup, arriving after the confirmation, with applied: false", async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const hungUp = await domain.service.hangUpCall(call.id);
    await domain.service.ingest(domain.bw.hangup(call, 'NORMAL_CLEARING', domain.clock.advance(50)));

    expect(await domain.call(call.id)).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP', endedAt: hungUp.endedAt });
    expect((await domain.store.listEvents(call.id, 0, 100)).at(-1)).toMatchObject({ type: 'hangup', applied: false });
  });

  it("takes the provider's call-invalid-state as the call having ended already, and waits for its hangup event", async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    domain.gateway.fail('hangUp', { code: 'call-invalid-state', status: 400 });

    await expect(domain.service.hangUpCall(call.id)).resolves.toMatchObject({ id: call.id });
    await domain.service.ingest(domain.bw.hangup(call));
    expect(await domain.call(call.id)).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP' });
    expect(await domain.log(call.id)).not.toContain('call.hangup_failed');
  });

  it('says BANDWIDTH_ERROR when the provider refuses otherwise, logging call.hangup_failed; the call stays up', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    domain.gateway.fail('hangUp', { code: 'unknown-error', status: 500 });

    await expect(domain.service.hangUpCall(call.id)).rejects.toMatchObject({
      code: CallErrorCode.BANDWIDTH_ERROR,
      details: { callId: call.id, bandwidthCode: 'unknown-error', status: 500 },
    });
    expect((await domain.call(call.id)).state).toBe('ACTIVE');
    expect((await domain.log(call.id)).at(-1)).toBe('call.hangup_failed');
  });

  it('refuses a call that is being dialled (no provider id yet) with CALL_NOT_ACTIVE', async () => {
    const domain = callDomain();
    const release = domain.gateway.hold('createCall');
    const creating = domain.service.createCall({ from: FROM, to: TO });
    await until(() => domain.gateway.requestsOf('createCall').length === 1, 'the dial');
    const [{ call: request }] = domain.gateway.requestsOf('createCall');

    await expect(domain.service.hangUpCall(request.tag)).rejects.toMatchObject({
      code: CallErrorCode.CALL_NOT_ACTIVE,
      details: { callId: request.tag, state: 'REQUESTED' },
    });
    release();
    expect((await creating).state).toBe('RINGING');
  });

  it('refuses an unknown call with NOT_FOUND', async () => {
    const domain = callDomain();
    await expect(domain.service.hangUpCall('call_nobody')).rejects.toMatchObject({ code: CallErrorCode.NOT_FOUND });
  });
});
