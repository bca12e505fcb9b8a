import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, HANG_UP, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitForCall } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('logs', ABOVE_BANDWIDTH, () => {
  it('put the call id on every line about a request to Bandwidth for that call, and the request id on request lines', async () => {
    const lines: string[] = [];
    const logStream = new PassThrough();
    let partial = '';
    logStream.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      lines.push(...complete.filter(Boolean));
    });
    // One call a second: the second call's dial is started by the first call's turn ending,
    // and must still be logged as the second call's.
    const service = await startTestService({ LOG_LEVEL: 'debug', OUTBOUND_CALLS_PER_SECOND: '2' }, { logStream });
    const calls: CallView[] = [];
    for (const name of ['first', 'second']) {
      const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file(name, 30) }] } });
      calls.push(data!.createCall);
    }
    for (const call of calls) {
      const played = await waitForCall(service, call.id, 'the file to play', (c) => c.playbacks.every((p) => p.status === 'DONE'));
      await service.gql(HANG_UP, { callId: call.id });
      await waitForCall(service, played.id, 'the hangup', (c) => c.state === 'COMPLETED');
      call.bandwidthCallId = played.bandwidthCallId;
    }
    await service.stop();

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const bandwidthLines = entries.filter((entry) => entry.msg === 'bandwidth request');
    // create, play and hang up, for each call.
    expect(bandwidthLines.length).toBeGreaterThanOrEqual(6);
    for (const call of calls) {
      const own = bandwidthLines.filter((entry) => String(entry.path).includes(call.bandwidthCallId!));
      expect(own.length).toBeGreaterThanOrEqual(2);
      for (const entry of own) expect(entry.callId).toBe(call.id);
    }
    const creates = bandwidthLines.filter((entry) => entry.method === 'POST' && String(entry.path).endsWith('/calls'));
    expect(creates.map((entry) => entry.callId)).toEqual(calls.map((call) => call.id));
    const requestLines = entries.filter((entry) => entry.msg === 'request completed');
    expect(requestLines.length).toBeGreaterThan(0);
    for (const entry of requestLines) expect(entry.reqId).toEqual(expect.any(String));
  });
});
