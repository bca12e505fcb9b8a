import { afterEach, describe, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';

afterEach(disposeAll);

function settled(service: TestService, id: string): Promise<CallView> {
  return waitForCall(service, id, 'the queue to settle', (c) => c.playbacks.every((p) => p.status !== 'QUEUED' && p.status !== 'PLAYING'), 15_000);
}

describe('audio that cannot be played', () => {
  it.each([
    // A 503 is retried by the client (four attempts in all), so it must fail every time.
    [403, 'call-audio-invalid-state', 1],
    [503, 'media-unavailable', 4],
  ])('fails the playback on %i %s and goes on with the rest of the queue', async (status, code, times) => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/api', [
      { method: 'POST', path: '/audio', times, action: { type: 'status', status, body: { category: 'forbidden', code, message: `simulated ${code}` } } },
    ]);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('broken', 40) }, { fileUrl: file('fine', 40) }] },
    });
    const call = await settled(service, data!.createCall.id);
    expect(call.state).toBe('ACTIVE');
    expect(call.playbacks.map((p) => p.status)).toEqual(['FAILED', 'DONE']);
    expect(call.playbacks[0]!.error).toContain(code);
    expect(call.events!.find((e) => e.type === 'playback.failed')!.payload.error).toContain(code);
  });

  it('plays a file whose request Bandwidth refused twice with 503 before accepting it', async () => {
    const service = await startTestService();
    await service.sim('PUT', '/control/faults/api', [{ method: 'POST', path: '/audio', times: 2, action: { type: 'status', status: 503 } }]);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('eventually', 40) }] },
    });
    const call = await settled(service, data!.createCall.id);
    expect(call.playbacks.map((p) => p.status)).toEqual(['DONE']);
  });
});
