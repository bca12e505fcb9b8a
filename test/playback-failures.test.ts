import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, PLAY_AUDIO, file, type CallView } from './support/documents.js';
import { AUDIO_INVALID_STATE_STATUS, audioRequestFault } from './support/bandwidth-api.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

function settled(service: TestService, id: string): Promise<CallView> {
  return waitForCall(service, id, 'the queue to settle', (c) => c.playbacks.every((p) => p.status !== 'QUEUED' && p.status !== 'PLAYING'), 15_000);
}

/**
 * Queues the files on an answered call with nothing playing, so each is a request of its own to
 * Bandwidth (on v2 a file queued before the answer goes out in the answer's reply, not a request).
 */
async function playOnAnsweredCall(service: TestService, files: string[]): Promise<string> {
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
  const callId = data!.createCall.id;
  await waitForCall(service, callId, 'answered', (c) => c.state === 'ACTIVE');
  for (const fileUrl of files) {
    const { errors } = await service.gql(PLAY_AUDIO, { input: { callId, fileUrl } });
    expect(errors).toBeUndefined();
  }
  return callId;
}

forEachSetup('audio that cannot be played', () => {
  it.each([
    // A 503 is retried by the client (four attempts in all), so it must fail every time.
    [AUDIO_INVALID_STATE_STATUS, 'call-audio-invalid-state', 1],
    [503, 'media-unavailable', 4],
  ])('fails the playback on %i %s and goes on with the rest of the queue', async (status, code, times) => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/api', [audioRequestFault(status, { times, error: { category: 'forbidden', code } })]);
    const call = await settled(service, await playOnAnsweredCall(service, [file('broken', 40), file('fine', 40)]));
    expect(call.state).toBe('ACTIVE');
    expect(call.playbacks.map((p) => p.status)).toEqual(['FAILED', 'DONE']);
    expect(call.playbacks[0]!.error).toContain(code);
    expect(call.events!.find((e) => e.type === 'playback.failed')!.payload.error).toContain(code);
  });

  it('plays a file whose request Bandwidth refused twice with 503 before accepting it', async () => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/api', [audioRequestFault(503, { times: 2 })]);
    const call = await settled(service, await playOnAnsweredCall(service, [file('eventually', 40)]));
    expect(call.playbacks.map((p) => p.status)).toEqual(['DONE']);
  });
});
