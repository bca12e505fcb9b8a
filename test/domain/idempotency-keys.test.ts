import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import { FROM, TO, answeredCall, callDomain, fileUrl, stopServices } from '../support/call-domain.js';

afterEach(stopServices);

const order = { from: FROM, to: TO, audio: [{ fileUrl: fileUrl('hello') }], idempotencyKey: 'retry-1' };

describe('an idempotency key', () => {
  it('sent again with the same createCall returns the first call, dialled once', async () => {
    const domain = callDomain();
    const first = await domain.service.createCall(order);
    const retry = await domain.service.createCall(order);

    expect(retry).toEqual(first);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
    expect(await domain.store.listCalls({ first: 10 })).toHaveLength(1);
  });

  it('dials once when retries of a createCall race each other', async () => {
    const domain = callDomain();
    const calls = await Promise.all([1, 2, 3].map(() => domain.service.createCall(order)));

    expect(new Set(calls.map((call) => call.id)).size).toBe(1);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
  });

  it('sent with a different request is refused with IDEMPOTENCY_KEY_REUSED, and nothing is stored', async () => {
    const domain = callDomain();
    await domain.service.createCall(order);

    await expect(domain.service.createCall({ ...order, to: '+19195550199' })).rejects.toMatchObject({
      code: CallErrorCode.IDEMPOTENCY_KEY_REUSED,
      details: { idempotencyKey: 'retry-1' },
    });
    expect(await domain.store.listCalls({ first: 10 })).toHaveLength(1);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(1);
  });

  it("is each caller's own: two callers with the same key get a call each", async () => {
    const domain = callDomain();
    const mine = await domain.service.createCall(order, { id: 'token:aaaaaaaaaaaa' });
    const theirs = await domain.service.createCall(order, { id: 'token:bbbbbbbbbbbb' });

    expect(mine.id).not.toBe(theirs.id);
    expect(domain.gateway.requestsOf('createCall')).toHaveLength(2);
  });

  it('sent again with the same playAudio returns the first playback, queued once', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['playing']);
    const play = { callId: call.id, fileUrl: fileUrl('next'), idempotencyKey: 'play-1' };
    const first = await domain.service.playAudio(play);
    const retry = await domain.service.playAudio(play);

    expect(retry).toEqual(first);
    expect(await domain.store.listPlaybacks(call.id)).toHaveLength(2);
  });

  it('returns the first playback to a retry that comes after the call ended', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const play = { callId: call.id, fileUrl: fileUrl('only'), idempotencyKey: 'play-2' };
    const first = await domain.service.playAudio(play);
    await domain.service.ingest(domain.bw.hangup(call));

    expect((await domain.service.playAudio(play)).id).toBe(first.id);
  });

  it('used for createCall does not answer for a playAudio', async () => {
    const domain = callDomain();
    const call = await domain.service.createCall({ from: FROM, to: TO, idempotencyKey: 'shared' });
    const playback = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('x'), idempotencyKey: 'shared' });

    expect(playback).toMatchObject({ callId: call.id, fileUrl: fileUrl('x') });
  });
});
