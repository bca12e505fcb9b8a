import { afterEach, expect, it } from '@jest/globals';
import { BANDWIDTH_API, informationalWebhook } from './support/bandwidth-api.js';
import { CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { captureLog } from './support/log-capture.js';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';

afterEach(disposeAll);

const WEBHOOK = { WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD: 'json-depth-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${WEBHOOK.WEBHOOK_USERNAME}:${WEBHOOK.WEBHOOK_PASSWORD}`).toString('base64')}`;
const RINGS = '+19195557101';

/**
 * `body` as JSON text whose `field` is `levels` arrays one inside the other: the whole body then
 * nests `levels + 1` deep. Written as text, since JSON.stringify itself gives up long before 5,000.
 */
function withNested(body: Record<string, unknown>, field: string, levels: number): string {
  return JSON.stringify({ ...body, [field]: '@nested' }).replace('"@nested"', `${'['.repeat(levels)}1${']'.repeat(levels)}`);
}

async function post(service: TestService, path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

forEachSetup('JSON bodies nested too deep', () => {
  it('are refused with 400 on the webhook and change nothing; one within the bound is taken', async () => {
    const log = captureLog();
    const service = await startTestService({ ...WEBHOOK, LOG_LEVEL: 'info' }, { logStream: log.stream });
    await service.sim('PUT', `/control/scripts/${encodeURIComponent(RINGS)}`, { outcome: 'answer', afterMs: 600_000 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: RINGS } });
    const call = await waitForCall(service, data!.createCall.id, 'the call to ring', (c) => c.state === 'RINGING');
    const webhook = informationalWebhook(call, 1, service.server.simulator!);

    for (const levels of [33, 5000]) {
      const refused = await post(service, webhook.path, withNested(webhook.body, 'extra', levels - 1), { authorization: AUTHORIZATION });
      expect([levels, refused.status, JSON.parse(refused.body)]).toEqual([
        levels,
        400,
        { statusCode: 400, error: 'Bad Request', message: 'JSON body nests deeper than 32 levels' },
      ]);
    }
    expect(await waitForCall(service, call.id, 'the call', () => true)).toMatchObject({ lastSequence: call.lastSequence });
    expect(await service.server.store.listUnmatchedEvents(10)).toEqual([]);

    const taken = await post(service, webhook.path, withNested(webhook.body, 'extra', 30), { authorization: AUTHORIZATION });
    expect(taken.status).toBe(200);
    expect(await waitForCall(service, call.id, 'the call', () => true)).toMatchObject({ lastSequence: call.lastSequence + 1 });
    // A client's fault: nothing at error level, no stack.
    expect(log.text()).not.toMatch(/"level":50|"stack"/);
  });

  if (BANDWIDTH_API === 'v1') {
    it('are refused with 400 and BAD_REQUEST on GraphQL, never a 500', async () => {
      const service = await startTestService();
      const { status, body } = await post(service, '/graphql', withNested({ query: 'query($x: ID) { call(id: $x) { id } }' }, 'variables', 5000));
      expect(status).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ errors: [{ message: 'JSON body nests deeper than 32 levels', extensions: { code: 'BAD_REQUEST' } }] });
    });
  }
});
