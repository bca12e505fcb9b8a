import { afterEach, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CALL_EVENTS, CREATE_CALL, FROM, HANG_UP, file, type CallEventView, type CallView } from './support/documents.js';
import { isFileStart } from './support/bandwidth-api.js';
import { spawnService } from './support/service-process.js';
import { API_TOKEN, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, onDispose, postGraphQL, startTestService, Subscription } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

function wsClient(url: string, onClosed?: (code: number) => void) {
  const client = createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${API_TOKEN}` },
    retryAttempts: 0,
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
  onDispose(async () => client.dispose());
  return client;
}

/**
 * The service that dies is a process of its own, killed for real. The one that takes over starts
 * in the test's process: the same startServer that `npm start` runs, without a second process's
 * module loading (two seconds on a busy machine).
 */
forEachSetup('SIGTERM', () => {
  it('closes subscriptions with 1001, exits cleanly, and a client resuming with afterSequence loses nothing', async () => {
    const bandwidth = await standaloneBandwidth();
    const first = await spawnService(bandwidth.env);
    const { data } = await postGraphQL<{ createCall: CallView }>(
      first.url,
      CREATE_CALL,
      { input: { from: FROM, to: '+19195550123', audio: [{ fileUrl: file('hold', 60_000) }] } },
      API_TOKEN,
    );
    const call = data!.createCall;

    let closeCode: number | undefined;
    const before = new Subscription<{ callEvents: CallEventView }>(wsClient(first.url, (code) => (closeCode = code)), CALL_EVENTS, {
      callId: call.id,
    });
    const started = await before.waitFor('the file to start', ({ callEvents }) => isFileStart(callEvents));

    const exit = await first.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(closeCode).toBe(1001);
    expect(first.output()).toMatch(/shutting down/);
    const lastSeen = before.items.at(-1)!.callEvents.sequence;
    expect(lastSeen).toBeGreaterThanOrEqual(started.callEvents.sequence);

    const second = await startTestService(bandwidth.env);
    const after = new Subscription<{ callEvents: CallEventView }>(wsClient(second.url), CALL_EVENTS, {
      callId: call.id,
      afterSequence: lastSeen,
    });
    await postGraphQL(second.url, HANG_UP, { callId: call.id }, API_TOKEN);
    await after.waitFor('the hangup', ({ callEvents }) => callEvents.type === 'call.hung_up');
    const sequences = [...before.items, ...after.items].map((e) => e.callEvents.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
  });

  it('is left to the process that started the service: starting it adds no SIGINT or SIGTERM listener', async () => {
    // Apollo registers its own handlers outside NODE_ENV=test, which jest sets.
    const nodeEnv = process.env.NODE_ENV;
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    process.env.NODE_ENV = 'production';
    try {
      await startTestService();
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
