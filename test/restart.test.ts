import { afterEach, describe, expect, it } from '@jest/globals';
import { startSimulator } from '../src/bandwidth/simulator/simulator.js';
import { CREATE_CALL, FROM, GET_CALL, file, type CallView } from './support/documents.js';
import { disposeAll, freePort, onDispose, startTestService, tempDir, waitFor } from './support/test-service.js';

afterEach(disposeAll);

const SLOW_TO_ANSWER = '+19195550777';

describe('a restart of the service', () => {
  it('keeps queued audio and plays it when the call is answered afterwards', async () => {
    // A simulator of its own that outlives the service, as the real Bandwidth would.
    const simulator = await startSimulator({
      userId: 'u-restart',
      apiToken: 'restart-token',
      apiSecret: 'restart-secret-value',
      answerDelayMs: 30,
      playbackDurationMs: 40,
    });
    onDispose(() => simulator.close());
    const env = {
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${tempDir()}/calls.sqlite`,
      BANDWIDTH_API_URL: simulator.url,
      BANDWIDTH_USER_ID: 'u-restart',
      BANDWIDTH_API_TOKEN: 'restart-token',
      BANDWIDTH_API_SECRET: 'restart-secret-value',
      WEBHOOK_USERNAME: 'bandwidth',
      WEBHOOK_PASSWORD: 'webhook-password-value',
      API_TOKENS: 'token-for-restart-test-0001',
    };
    await fetch(`${simulator.url}/control/scripts/${encodeURIComponent(SLOW_TO_ANSWER)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'answer', afterMs: 600_000 }),
    });

    const before = await startTestService(env);
    const { data, errors } = await before.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: SLOW_TO_ANSWER, audio: [{ fileUrl: file('one', 40) }, { fileUrl: file('two', 40) }] },
    });
    expect(errors).toBeUndefined();
    const call = data!.createCall;
    expect(call.state).toBe('RINGING');
    await before.stop();

    const after = await startTestService(env);
    const restored = await after.gql<{ call: CallView }>(GET_CALL, { id: call.id });
    expect(restored.data!.call.state).toBe('RINGING');
    expect(restored.data!.call.playbacks.map((p) => p.status)).toEqual(['QUEUED', 'QUEUED']);

    await fetch(`${simulator.url}/control/calls/${call.bandwidthCallId}/answer`, { method: 'POST' });
    const played = await waitFor('both files to play after the restart', async () => {
      const { data: now } = await after.gql<{ call: CallView }>(GET_CALL, { id: call.id });
      return now!.call.playbacks.every((p) => p.status === 'DONE') ? now!.call : undefined;
    });
    expect(played.state).toBe('ACTIVE');
    expect(played.events!.map((e) => e.sequence)).toEqual(played.events!.map((_, i) => i + 1));
  });
});
