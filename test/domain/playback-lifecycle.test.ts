import { afterEach, describe, expect, it } from '@jest/globals';
import { CallErrorCode } from '../../src/calls/call-errors.js';
import type { PlaybackRecord } from '../../src/calls/call.js';
import { answeredCall, callDomain, fileUrl, placeCall, stopServices, type CallDomain } from '../support/call-domain.js';

afterEach(stopServices);

async function statuses(domain: CallDomain, callId: string): Promise<Array<[string, string]>> {
  return (await domain.store.listPlaybacks(callId)).map((p) => [p.fileUrl, p.status]);
}

async function playbacks(domain: CallDomain, callId: string): Promise<PlaybackRecord[]> {
  return domain.store.listPlaybacks(callId);
}

describe('the files queued on a call', () => {
  it('wait QUEUED until the answer, then play one after the other: PLAYING, started, DONE, then the next', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['first', 'second']);
    expect(await statuses(domain, call.id)).toEqual([[fileUrl('first'), 'QUEUED'], [fileUrl('second'), 'QUEUED']]);
    expect(domain.gateway.requestsOf('playAudio')).toEqual([]);

    await domain.service.ingest(domain.bw.answer(call));
    await domain.service.idle();
    const [first, second] = await playbacks(domain, call.id);
    expect(first).toMatchObject({ status: 'PLAYING', startedAt: null });
    expect(domain.gateway.requestsOf('playAudio')).toEqual([
      {
        kind: 'playAudio',
        callId: call.id,
        providerCallId: call.providerCallId,
        audio: { fileUrl: fileUrl('first'), loop: false, tag: first!.id },
      },
    ]);

    const started = domain.bw.playbackStarted(call, first!.id, domain.clock.advance(100));
    await domain.service.ingest(started);
    expect(await domain.store.getPlayback(first!.id)).toMatchObject({ status: 'PLAYING', startedAt: started.occurredAt });

    const done = domain.bw.playbackDone(call, first!.id, domain.clock.advance(3000));
    await domain.service.ingest(done);
    await domain.service.idle();
    expect(await domain.store.getPlayback(first!.id)).toMatchObject({ status: 'DONE', endedAt: done.occurredAt });
    expect(await domain.store.getPlayback(second!.id)).toMatchObject({ status: 'PLAYING' });
    expect(domain.gateway.playedTags()).toEqual([first!.id, second!.id]);

    await domain.service.ingest(domain.bw.playbackDone(call, second!.id));
    expect(await statuses(domain, call.id)).toEqual([[fileUrl('first'), 'DONE'], [fileUrl('second'), 'DONE']]);
    expect(await domain.log(call.id)).toEqual([
      'call.requested',
      'playback.queued',
      'playback.queued',
      'call.dialing',
      'call.dialed',
      'answer',
      'playback.requested',
      'playback',
      'playback',
      'playback.requested',
      'playback',
    ]);
  });

  it('are not played twice when a second answer arrives', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['hello']);
    expect(await domain.service.ingest(domain.bw.answer(call))).toMatchObject({ status: 'recorded' });
    await domain.service.idle();

    expect(domain.gateway.requestsOf('playAudio')).toHaveLength(1);
  });

  it('log a started event for a file that is not playing with applied: false', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['first', 'second']);
    const [, second] = await playbacks(domain, call.id);
    await domain.service.ingest(domain.bw.playbackStarted(call, second!.id));

    expect(await domain.store.getPlayback(second!.id)).toMatchObject({ status: 'QUEUED', startedAt: null });
    expect((await domain.store.listEvents(call.id, 0, 100)).at(-1)).toMatchObject({ type: 'playback', applied: false });
  });

  it('go on with the next file when the provider refuses to play one, which becomes FAILED with the reason', async () => {
    const domain = callDomain();
    domain.gateway.fail('playAudio', { code: 'call-audio-invalid-state', status: 403, message: 'not now' });
    const call = await answeredCall(domain, ['refused', 'next']);
    await domain.service.idle();

    const [refused, next] = await playbacks(domain, call.id);
    expect(refused).toMatchObject({ status: 'FAILED', error: 'call-audio-invalid-state: not now' });
    expect(next).toMatchObject({ status: 'PLAYING' });
    expect(domain.gateway.playedTags()).toEqual([refused!.id, next!.id]);
    expect(await domain.log(call.id)).toContain('playback.failed');
  });

  it('stop when the call ends: what plays is STOPPED and the rest CANCELLED, without asking the provider', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['playing', 'waiting']);
    await domain.service.ingest(domain.bw.hangup(call));
    await domain.service.idle();

    expect(await statuses(domain, call.id)).toEqual([[fileUrl('playing'), 'STOPPED'], [fileUrl('waiting'), 'CANCELLED']]);
    expect(domain.gateway.requestsOf('stopAudio')).toEqual([]);
  });

  it('count a file as DONE when its done event, delivered after the hangup, says it ended before it', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['last']);
    const [last] = await playbacks(domain, call.id);
    const doneAt = domain.clock.advance(1000);
    const hangupAt = domain.clock.advance(10);
    await domain.service.ingest(domain.bw.hangup(call, 'NORMAL_CLEARING', hangupAt));
    await domain.service.ingest(domain.bw.playbackDone(call, last!.id, doneAt));

    expect(await domain.store.getPlayback(last!.id)).toMatchObject({ status: 'DONE', endedAt: doneAt });
    expect(await domain.call(call.id)).toMatchObject({ state: 'COMPLETED', endedAt: hangupAt });
  });

  it('keep a file STOPPED when its done event says it ended after the hangup', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['last']);
    const [last] = await playbacks(domain, call.id);
    const hangupAt = domain.clock.advance(1000);
    await domain.service.ingest(domain.bw.hangup(call, 'NORMAL_CLEARING', hangupAt));
    await domain.service.ingest(domain.bw.playbackDone(call, last!.id, domain.clock.advance(10)));

    expect(await domain.store.getPlayback(last!.id)).toMatchObject({ status: 'STOPPED', endedAt: hangupAt });
  });
});

describe('playAudio', () => {
  it('plays at once on an answered call with nothing playing', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const playback = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('now') });
    await domain.service.idle();

    expect(playback).toMatchObject({ status: 'PLAYING', fileUrl: fileUrl('now'), loop: false });
    expect(domain.gateway.playedTags()).toEqual([playback.id]);
  });

  it('queues behind the file that plays', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['first']);
    const playback = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('second') });

    expect(playback.status).toBe('QUEUED');
    expect(await statuses(domain, call.id)).toEqual([[fileUrl('first'), 'PLAYING'], [fileUrl('second'), 'QUEUED']]);
  });

  it('with interrupt, stops what plays, plays the new file now, and keeps the rest of the queue after it', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['long', 'after']);
    const urgent = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('urgent'), interrupt: true });
    await domain.service.idle();

    expect(urgent.status).toBe('PLAYING');
    expect(await statuses(domain, call.id)).toEqual([
      [fileUrl('urgent'), 'PLAYING'],
      [fileUrl('long'), 'STOPPED'],
      [fileUrl('after'), 'QUEUED'],
    ]);
    expect(domain.gateway.requests.slice(1).map((r) => r.kind)).toEqual(['playAudio', 'stopAudio', 'playAudio']);

    await domain.service.ingest(domain.bw.playbackDone(call, urgent.id));
    await domain.service.idle();
    expect(await statuses(domain, call.id)).toEqual([
      [fileUrl('urgent'), 'DONE'],
      [fileUrl('long'), 'STOPPED'],
      [fileUrl('after'), 'PLAYING'],
    ]);
  });

  it('with loop, asks the provider to repeat the file, which plays until stopped', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain);
    const music = await domain.service.playAudio({ callId: call.id, fileUrl: fileUrl('hold-music'), loop: true });
    await domain.service.idle();
    const requested = domain.gateway.requestsOf('playAudio').map((r) => r.audio);
    expect(requested).toEqual([{ fileUrl: fileUrl('hold-music'), loop: true, tag: music.id }]);

    await domain.service.stopAudio(call.id);
    expect(await domain.store.getPlayback(music.id)).toMatchObject({ status: 'STOPPED', loop: true });
  });

  it('refuses an unknown call with NOT_FOUND', async () => {
    const domain = callDomain();
    await expect(domain.service.playAudio({ callId: 'call_nobody', fileUrl: fileUrl('x') })).rejects.toMatchObject({
      code: CallErrorCode.NOT_FOUND,
    });
  });
});

describe('stopAudio', () => {
  it('stops the file that plays and cancels the queue; the call stays up', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['playing', 'waiting', 'also-waiting']);
    const stopped = await domain.service.stopAudio(call.id);
    await domain.service.idle();

    expect(stopped.state).toBe('ACTIVE');
    expect((await statuses(domain, call.id)).map(([, status]) => status)).toEqual(['STOPPED', 'CANCELLED', 'CANCELLED']);
    const stop = { kind: 'stopAudio', callId: call.id, providerCallId: call.providerCallId };
    expect(domain.gateway.requestsOf('stopAudio')).toEqual([stop]);
  });

  it('before the answer cancels the queue without asking the provider', async () => {
    const domain = callDomain();
    const call = await placeCall(domain, ['one', 'two']);
    await domain.service.stopAudio(call.id);
    await domain.service.ingest(domain.bw.answer(call));
    await domain.service.idle();

    expect((await statuses(domain, call.id)).map(([, status]) => status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(domain.gateway.requests.map((r) => r.kind)).toEqual(['createCall']);
  });

  it('takes the provider saying nothing plays as done', async () => {
    const domain = callDomain();
    const call = await answeredCall(domain, ['playing']);
    domain.gateway.fail('stopAudio', { code: 'call-audio-invalid-state', status: 403 });

    await expect(domain.service.stopAudio(call.id)).resolves.toMatchObject({ state: 'ACTIVE' });
    await domain.service.idle();
    expect(domain.store.outbox().map((row) => [row.effect.kind, row.status])).toEqual([
      ['create', 'done'],
      ['play', 'done'],
      ['stop', 'done'],
    ]);
  });
});
