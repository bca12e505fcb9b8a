import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL, HANG_UP, file, type CallView } from './support/documents.js';
import { onV1Only } from './support/on-v1-only.js';
import { END_EVENT, playRequests } from './support/bandwidth-api.js';
import { spawnService } from './support/service-process.js';
import { API_TOKEN, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, postGraphQL, startTestService, waitFor, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

/**
 * A whole call: two files played, then hung up by the far end once the service has seen both end
 * (on v2 a file still playing at the hangup is cut off, STOPPED, where v1 reports it done: the far
 * end must not hang up on a timer that late or repeated webhooks can outlast). Returns the call as it ended.
 */
async function wholeCall(service: TestService): Promise<CallView> {
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
    input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('one', 80) }, { fileUrl: file('two', 80) }] },
  });
  const id = data!.createCall.id;
  const played = await waitForCall(service, id, 'both files to play', (c) => c.playbacks.length === 2 && c.playbacks.every((p) => p.status === 'DONE'));
  await service.sim('POST', `/control/calls/${played.bandwidthCallId}/hangup`, { cause: 'NORMAL_CLEARING' });
  return waitForCall(service, id, 'the call to end', (c) => c.endedAt !== null && c.events!.some((e) => e.type === END_EVENT));
}

function outcome(call: CallView) {
  return { state: call.state, endReason: call.endReason, playbacks: call.playbacks.map((p) => p.status) };
}

forEachSetup('webhook deliveries that go wrong', () => {
  it('end a call the same when every event is delivered three times, each recorded once', async () => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/callbacks', { duplicate: 2 });
    const [clean, noisy] = await Promise.all([startTestService().then(wholeCall), wholeCall(service)]);
    // The last event's copies may still be on their way when the call has ended.
    const expected = clean.events!.filter((e) => e.source === 'BANDWIDTH').length;
    const settled = await waitForCall(service, noisy.id, 'all copies counted', (c) => {
      const fromBandwidth = c.events!.filter((e) => e.source === 'BANDWIDTH');
      return fromBandwidth.length >= expected && fromBandwidth.every((e) => e.deliveries >= 3);
    });

    expect(outcome(settled)).toEqual(outcome(clean));
    const fromBandwidth = settled.events!.filter((e) => e.source === 'BANDWIDTH');
    expect(fromBandwidth.every((e) => e.deliveries === 3)).toBe(true);
    expect(fromBandwidth.map((e) => e.type)).toEqual(clean.events!.filter((e) => e.source === 'BANDWIDTH').map((e) => e.type));
    expect(await playRequests(service.sim, settled.bandwidthCallId!)).toHaveLength(2);
  });

  it('end a call the same when every event is delayed', async () => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/callbacks', { delayMs: 150 });
    const [clean, late] = await Promise.all([startTestService().then(wholeCall), wholeCall(service)]);
    expect(outcome(late)).toEqual(outcome(clean));
  });

  // v2 cannot reorder these: a file's end is reported by a BXML webhook (its `<Redirect>`), which
  // Bandwidth cannot hold back, and a call's webhooks go out one at a time, so the disconnect never overtakes it.
  onV1Only('keep a hangup that overtakes the last playback done, and the file counts as played', async () => {
    const service = await startTestService();
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('last', 1500) }] },
    });
    const call = await waitForCall(service, data!.createCall.id, 'the file to start', (c) => c.playbacks[0]!.startedAt !== null);
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/hold`);
    await waitFor('the file to end (its done is held)', async () => {
      const held = await service.sim<Array<{ eventType: string }>>('GET', `/control/calls/${call.bandwidthCallId}/held`);
      return held.some((h) => h.eventType === 'playback');
    });
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/hangup`, { cause: 'NORMAL_CLEARING' });
    const held = await service.sim<Array<{ eventType: string; body: { status?: string } }>>('GET', `/control/calls/${call.bandwidthCallId}/held`);
    const kinds = held.map((h) => (h.body.status ? `${h.eventType}:${h.body.status}` : h.eventType));
    expect(kinds).toEqual(['playback:done', 'hangup']);
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/release`, { order: 'reverse' });

    const ended = await waitForCall(service, call.id, 'ended with everything logged', (c) => c.events!.filter((e) => e.source === 'BANDWIDTH').length >= 4);
    expect(outcome(ended)).toEqual({ state: 'COMPLETED', endReason: 'HANGUP', playbacks: ['DONE'] });
  });

  // v2 cannot deliver this: the answer is a BXML webhook Bandwidth waits on before anything else
  // happens to the call, and one that does not reach us ends the call, so it never follows the disconnect.
  onV1Only('record an answer that arrives after the hangup as late, changing nothing', async () => {
    const service = await startTestService({ SIMULATOR_ANSWER_DELAY_MS: '200' });
    await service.sim('PATCH', '/control/settings', { remoteHangupDelayMs: 50 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: '+15005550004', audio: [{ fileUrl: file('never', 40) }] },
    });
    const call = data!.createCall;
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/hold`);
    await waitFor('the far end to answer and hang up', async () => {
      const held = await service.sim<Array<{ eventType: string }>>('GET', `/control/calls/${call.bandwidthCallId}/held`);
      return held.some((h) => h.eventType === 'hangup');
    });
    await service.sim('POST', `/control/calls/${call.bandwidthCallId}/release`, { order: 'reverse' });
    const ended = await waitForCall(service, call.id, 'both events logged', (c) => c.events!.some((e) => e.type === 'answer'));
    expect(ended.state).toBe('COMPLETED');
    expect(ended.events!.find((e) => e.type === 'answer')!.applied).toBe(false);
    expect(ended.playbacks.map((p) => p.status)).toEqual(['CANCELLED']);
  });

  it('apply an event redelivered after our outage exactly once', async () => {
    const bandwidth = await standaloneBandwidth();
    await bandwidth.sim('PUT', '/control/faults/callbacks', { retryOnServerError: { attempts: 40, delayMs: 250 } });
    const first = await spawnService(bandwidth.env);
    const { data } = await postGraphQL<{ createCall: CallView }>(
      first.url,
      CREATE_CALL,
      { input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('x', 60_000) }] } },
      API_TOKEN,
    );
    const call = data!.createCall;
    await waitFor('playing', async () => {
      const now = await postGraphQL<{ call: CallView }>(first.url, GET_CALL, { id: call.id }, API_TOKEN);
      return now.data!.call.nowPlaying;
    });
    await first.kill('SIGKILL');
    // While we are down, the far end hangs up: Bandwidth keeps retrying the hangup.
    const hangingUp = bandwidth.sim('POST', `/control/calls/${call.bandwidthCallId}/hangup`, { cause: 'NORMAL_CLEARING' });
    // Down a while, so some of Bandwidth's retries fail; how many does not matter.
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Back in the test's process: the same startServer as the process that died.
    const second = await startTestService(bandwidth.env);
    await hangingUp;
    const ended = await waitFor('the hangup to arrive', async () => {
      const now = await postGraphQL<{ call: CallView }>(second.url, GET_CALL, { id: call.id }, API_TOKEN);
      return now.data!.call.state === 'COMPLETED' ? now.data!.call : undefined;
    });
    // Applied once: by Bandwidth's redelivery, or by the start's check of its records when that came
    // first (the redelivery is then logged, not applied). Logged once as Bandwidth sent it.
    const ends = ended.events!.filter((e) => e.type === END_EVENT || (e.type === 'hangup' && e.source === 'RECONCILED'));
    expect(ends.filter((e) => e.applied)).toHaveLength(1);
    const logged = await waitForCall(second, call.id, 'the redelivered hangup to be logged', (c) => c.events!.some((e) => e.type === END_EVENT && e.source === 'BANDWIDTH'));
    expect(logged.events!.filter((e) => e.type === END_EVENT && e.source === 'BANDWIDTH')).toHaveLength(1);
    const hangUpAgain = await postGraphQL(second.url, HANG_UP, { callId: call.id }, API_TOKEN);
    expect(hangUpAgain.errors?.[0]?.extensions?.code).toBe('CALL_NOT_ACTIVE');
  });
});
