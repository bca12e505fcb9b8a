import { afterEach, expect, it } from '@jest/globals';
import {
  ANSWERS,
  ANSWERS_BEFORE_CREATE,
  CALL_EVENTS,
  CALL_UPDATED,
  CREATE_CALL,
  FROM,
  HANG_UP,
  file,
  type CallEventView,
  type CallView,
} from './support/documents.js';
import { BANDWIDTH_API, END_EVENT, PROVIDER_CALL_ID, playRequests } from './support/bandwidth-api.js';
import { Subscription, disposeAll, startTestService, waitFor, waitForCall } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('an outbound call with queued audio', () => {
  it('rings, is answered, plays each file in order, and completes when hung up', async () => {
    // Slow enough to answer that the create response always comes first.
    const service = await startTestService({ SIMULATOR_ANSWER_DELAY_MS: '300' });
    const updates = new Subscription<{ callUpdated: CallView }>(service.ws(), CALL_UPDATED);
    await service.waitForListeners(1);

    const created = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('one', 80) }, { fileUrl: file('two', 80) }] },
    });
    expect(created.errors).toBeUndefined();
    const call = created.data!.createCall;
    expect(call.id).toMatch(/^call_/);
    expect(call.state).toBe('RINGING');
    expect(call.bandwidthCallId).toMatch(PROVIDER_CALL_ID);
    expect(call.playbacks.map((p) => p.status)).toEqual(['QUEUED', 'QUEUED']);

    const [one, two] = call.playbacks;
    const seen = (predicate: (c: CallView) => boolean, what: string) =>
      updates.waitFor(what, ({ callUpdated }) => callUpdated.id === call.id && predicate(callUpdated));

    await seen((c) => c.state === 'ACTIVE', 'ACTIVE');
    await seen((c) => c.nowPlaying?.id === one!.id, 'file one PLAYING');
    await seen((c) => c.playbacks[0]!.status === 'DONE' && c.nowPlaying?.id === two!.id, 'file one DONE, file two PLAYING');
    await seen((c) => c.playbacks.every((p) => p.status === 'DONE'), 'both files DONE');

    const hungUp = await service.gql<{ hangUpCall: CallView }>(HANG_UP, { callId: call.id });
    expect(hungUp.data!.hangUpCall).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP' });
    await seen((c) => c.state === 'COMPLETED', 'COMPLETED');

    // The order subscribers saw: never backwards, every step present.
    const states = updates.items.filter((u) => u.callUpdated.id === call.id).map((u) => u.callUpdated.state);
    expect(dedupe(states)).toEqual(['QUEUED', 'REQUESTED', 'RINGING', 'ACTIVE', 'COMPLETED']);

    // Bandwidth got exactly one request per file, in queue order, tagged with the playback id.
    const requests = await playRequests(service.sim, call.bandwidthCallId!);
    expect(requests.map((r) => [r.fileUrl, r.tag])).toEqual([
      [file('one', 80), one!.id],
      [file('two', 80), two!.id],
    ]);

    // The log tells the same story, numbered without gaps.
    const events = new Subscription<{ callEvents: CallEventView }>(service.ws(), CALL_EVENTS, { callId: call.id });
    await events.waitUntil('both ends of the hangup', () =>
      ['call.hung_up', END_EVENT].every((type) => events.items.some((e) => e.callEvents.type === type)) || undefined,
    );
    const log = events.items.map((e) => e.callEvents);
    expect(log.map((e) => e.sequence)).toEqual(log.map((_, i) => i + 1));
    // v1 reports each file's start and end; v2 only calls back when a file is over.
    const fileEvents = BANDWIDTH_API === 'v1' ? ['playback:started', 'playback:done'] : ['redirect:playback'];
    expect(subsequence(log.map(describeEvent), [
      'call.requested',
      'playback.queued',
      'playback.queued',
      'answer',
      'playback.requested',
      ...fileEvents,
      'playback.requested',
      ...fileEvents,
      'call.hangup_requested',
    ])).toBe(true);
  });

  it('matches an answer that arrives before the create response to its call', async () => {
    const service = await startTestService();
    const created = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS_BEFORE_CREATE, audio: [{ fileUrl: file('early', 50) }] },
    });
    expect(created.errors).toBeUndefined();
    const call = created.data!.createCall;
    // The answer was committed before createCall returned: the call is already ACTIVE, not set back to RINGING.
    expect(call.state).toBe('ACTIVE');

    const done = await waitForCall(service, call.id, 'the file to play', (c) => c.playbacks[0]!.status === 'DONE');
    const types = done.events!.map((e) => e.type);
    expect(types.indexOf('answer')).toBeLessThan(types.indexOf('call.dialed'));
    expect(done.events!.find((e) => e.type === 'call.dialed')!.applied).toBe(false);
    expect(await playRequests(service.sim, call.bandwidthCallId!)).toHaveLength(1);
  });

  it('plays a file once when Bandwidth delivers the answer twice', async () => {
    const service = await startTestService();
    const created = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('long', 5000) }] },
    });
    const call = created.data!.createCall;
    const bandwidthCallId = call.bandwidthCallId!;
    await waitFor('the file to be requested', async () => (await playRequests(service.sim, bandwidthCallId)).length === 1);

    const callbacks = await service.sim<Array<{ eventType: string }>>('GET', `/control/calls/${bandwidthCallId}/callbacks`);
    const answerIndex = callbacks.findIndex((c) => c.eventType === 'answer');
    await service.sim('POST', `/control/calls/${bandwidthCallId}/callbacks/${answerIndex}/redeliver`);
    await service.sim('POST', `/control/calls/${bandwidthCallId}/callbacks/${answerIndex}/redeliver`);

    const counted = await waitForCall(service, call.id, 'the redeliveries to be counted', (c) => {
      const answers = c.events!.filter((e) => e.type === 'answer');
      return answers.length === 1 && answers[0]!.deliveries === 3;
    });
    const answer = counted.events!.find((e) => e.type === 'answer')!;
    expect(answer.applied).toBe(true);
    await service.server.service.idle();
    expect(await playRequests(service.sim, bandwidthCallId)).toHaveLength(1);
  });
});

function describeEvent(event: CallEventView): string {
  if (event.type === 'playback') return `playback:${event.payload.status}`;
  if (event.type === 'redirect') return `redirect:${(event.payload.redirectMarker as { kind?: string } | undefined)?.kind}`;
  return event.type;
}

function dedupe<T>(items: T[]): T[] {
  return items.filter((item, i) => i === 0 || items[i - 1] !== item);
}

/** Whether `wanted` appears in `items` in order (other items may sit between). */
function subsequence(items: string[], wanted: string[]): boolean {
  let i = 0;
  for (const item of items) if (item === wanted[i]) i += 1;
  return i === wanted.length;
}
