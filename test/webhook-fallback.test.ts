import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { freePort } from './support/free-port.js';
import { disposeAll, startTestService, waitForCall } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('PUBLIC_FALLBACK_URL', () => {
  it('lets Bandwidth reach the service a second way when PUBLIC_URL cannot be reached: the call is answered and plays its files', async () => {
    // PUBLIC_URL names a port nothing listens on (a load balancer that is down); the fallback is the service itself.
    const [port, nobody] = [await freePort(), await freePort()];
    const service = await startTestService({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${nobody}`,
      PUBLIC_FALLBACK_URL: `http://127.0.0.1:${port}`,
    });
    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('one', 40) }, { fileUrl: file('two', 40) }] },
    });
    expect(errors).toBeUndefined();
    const played = await waitForCall(service, data!.createCall.id, 'both files to play', (c) => c.playbacks.every((p) => p.status === 'DONE'));
    expect(played.state).toBe('ACTIVE');
    expect(played.events!.some((e) => e.type === 'answer' && e.source === 'BANDWIDTH')).toBe(true);
  });
});
