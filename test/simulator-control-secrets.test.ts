import { afterEach, expect, it } from '@jest/globals';
import { BANDWIDTH_API } from './support/bandwidth-api.js';
import { ANSWERS, CREATE_CALL, FROM, HANG_UP, file, type CallView } from './support/documents.js';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, startTestService, waitForCall } from './support/test-service.js';

afterEach(disposeAll);

const WEBHOOK_PASSWORD = 'simulator-control-webhook-password';

forEachSetup("the simulator's control API", { backends: ['sqlite'] }, () => {
  it('shows no webhook credential anywhere in a whole call', async () => {
    const service = await startTestService({ WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a', 30) }, { fileUrl: file('b', 30) }] },
    });
    const played = await waitForCall(service, data!.createCall.id, 'the files to play', (c) => c.playbacks.every((p) => p.status === 'DONE'));
    await service.gql(HANG_UP, { callId: played.id });
    await waitForCall(service, played.id, 'the hangup', (c) => c.state === 'COMPLETED');

    const id = played.bandwidthCallId!;
    const paths = ['/control/settings', '/control/calls', `/control/calls/${id}`, '/control/requests', `/control/requests?callId=${id}`, `/control/calls/${id}/callbacks`];
    if (BANDWIDTH_API === 'v2') paths.push('/control/v2', '/control/v2/applications');
    const seen: string[] = [];
    for (const path of paths) {
      const text = JSON.stringify(await service.sim('GET', path));
      seen.push(text);
      expect([path, text.includes(WEBHOOK_PASSWORD), /password=\\?"(?!\*)/.test(text), /\/\/[^/@"]+:[^/@"]+@/.test(text)]).toEqual([path, false, false, false]);
    }
    // The requests were there to be masked.
    expect(seen.join('').length).toBeGreaterThan(2000);
  });
});
