import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startSimulator } from '../simulator/simulator.js';
import { ANSWERS, CREATE_CALL, FROM, HANG_UP, file, type CallView } from './support/documents.js';
import { disposeAll, onDispose, startTestService, waitFor } from './support/test-service.js';

afterEach(disposeAll);

const SECRETS = {
  BANDWIDTH_API_SECRET: 'bandwidth-api-secret-7f3a9c',
  WEBHOOK_PASSWORD: 'webhook-password-2b8e4d',
  API_TOKENS: 'client-api-token-5c1f0a9e',
};

describe('secrets', () => {
  it('never appear in the logs of a whole call, even at trace level, nor in the API', async () => {
    const simulator = await startSimulator({
      userId: 'u-secrets',
      apiToken: 'bandwidth-api-token',
      apiSecret: SECRETS.BANDWIDTH_API_SECRET,
      answerDelayMs: 20,
      playbackDurationMs: 30,
    });
    onDispose(() => simulator.close());
    const lines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));

    const service = await startTestService(
      {
        LOG_LEVEL: 'trace',
        BANDWIDTH_API_URL: simulator.url,
        BANDWIDTH_USER_ID: 'u-secrets',
        BANDWIDTH_API_TOKEN: 'bandwidth-api-token',
        WEBHOOK_USERNAME: 'bandwidth',
        ...SECRETS,
      },
      { logStream },
    );
    expect(service.server.simulator).toBeUndefined();

    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a', 30) }] },
    });
    expect(errors).toBeUndefined();
    const call = data!.createCall;
    const everything = `{ call(id: "${call.id}") { id bandwidthCallId state playbacks { id error } events { type payload } } }`;
    const full = await waitFor('the file to play', async () => {
      const response = await service.gql<{ call: { playbacks: Array<{ id: string }> } }>(everything);
      return JSON.stringify(response).includes('"done"') ? response : undefined;
    });
    await service.gql(HANG_UP, { callId: call.id });
    await service.gql('{ calls { nodes { id } } }', {}, 'a-wrong-token-of-some-length');
    await fetch(`${service.url}/webhooks/bandwidth`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await service.stop();

    const logs = lines.join('');
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).toContain(call.id);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect([name, logs.includes(secret)]).toEqual([name, false]);
      expect([name, JSON.stringify(full).includes(secret)]).toEqual([name, false]);
    }
  });
});
