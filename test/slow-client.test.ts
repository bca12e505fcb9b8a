import type { Socket } from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { ANSWERS, CREATE_CALL, FROM, PLAY_AUDIO, type CallView } from './support/documents.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { metricValue, scrapeMetrics } from './support/metrics.js';
import { disposeAll, onDispose, startTestService, waitFor } from './support/test-service.js';

afterEach(disposeAll);

const SNAPSHOTS = 'subscription($callId: ID!) { callUpdated(callId: $callId) { id playbacks { fileUrl } } }';
/** A file URL near the 2,048-character limit: each queued file adds about 2 KB to every snapshot of the call. */
const longFile = (n: number): string => `https://example.com/${String(n).padStart(4, '0')}${'a'.repeat(1990)}.mp3`;

/** A raw graphql-ws socket holding `count` subscriptions to the call's snapshots, each past its first message. */
async function subscribedSocket(url: string, callId: string, count: number) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  onDispose(async () => socket.terminate());
  let close: { code: number; reason: string } | undefined;
  let latestFiles = 0;
  const started = new Set<string>();
  socket.on('error', () => undefined);
  socket.on('close', (code, reason) => (close = { code, reason: reason.toString() }));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: { data?: { callUpdated: { playbacks: unknown[] } } } };
    if (message.type === 'connection_ack') {
      for (let i = 0; i < count; i += 1) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: SNAPSHOTS, variables: { callId } } }));
    }
    if (message.type === 'next') {
      latestFiles = Math.max(latestFiles, message.payload?.data?.callUpdated.playbacks.length ?? 0);
      started.add(message.id!);
    }
  });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  await waitFor(`${count} subscriptions to start`, () => started.size === count || close !== undefined, 5000);
  return { socket, tcp: (socket as unknown as { _socket: Socket })._socket, close: () => close, latestFiles: () => latestFiles };
}

forEachSetup('a WebSocket that reads too slowly', ABOVE_BANDWIDTH, () => {
  it('is closed with 1008 once WS_MAX_BUFFERED_BYTES wait unread for it, and a reader that keeps up is not', async () => {
    const service = await startTestService({ WS_MAX_BUFFERED_BYTES: '65536', MUTATION_RATE_LIMIT: '0' });
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const callId = data!.createCall.id;
    const slow = await subscribedSocket(service.url, callId, 10);
    const reader = await subscribedSocket(service.url, callId, 10);
    // The slow client stops reading: what the service sends it piles up in the kernel, then in the service.
    slow.tcp.pause();

    let queued = 0;
    await waitFor(
      'the service to close the slow socket',
      async () => {
        const { errors } = await service.gql(PLAY_AUDIO, { input: { callId, fileUrl: longFile(queued) } });
        expect(errors).toBeUndefined();
        queued += 1;
        const { text } = await scrapeMetrics(service.url);
        return metricValue(text, 'catapult_websocket_too_slow_total') === 1;
      },
      60_000,
    );
    expect(queued).toBeLessThan(300);

    // Once it reads again it gets what was sent, then the close frame with the reason.
    slow.tcp.resume();
    await waitFor('the close frame', () => slow.close() !== undefined, 10_000);
    expect(slow.close()!.code).toBe(1008);
    expect(slow.close()!.reason).toMatch(/^Too slow: over 65536 bytes unread; resume with afterSequence/);

    // The reader that kept up is still connected and has the call as it now is, every file queued.
    await waitFor('the reader to see every queued file', () => reader.latestFiles() === queued, 10_000);
    expect(reader.close()).toBeUndefined();
  });
});
