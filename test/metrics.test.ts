import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CALL_EVENTS, CALL_UPDATED, CREATE_CALL, FROM, HANG_UP, REFUSED, file, type CallView } from './support/documents.js';
import { Subscription, disposeAll, startTestService, waitFor, waitForCall, type TestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { metricValue, scrapeMetrics } from './support/metrics.js';

afterEach(disposeAll);

const USER = 'bandwidth';
const PASSWORD = 'metrics-test-password';

const scrape = (service: TestService) => scrapeMetrics(service.url);
const value = metricValue;

async function postWebhook(service: TestService, body: string, authorization: string): Promise<number> {
  const response = await fetch(`${service.url}/webhooks/bandwidth`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

forEachSetup('GET /metrics', ABOVE_BANDWIDTH, () => {
  it('counts webhooks by event type and outcome, and each request to Bandwidth by endpoint and status', async () => {
    const service = await startTestService({ WEBHOOK_USERNAME: USER, WEBHOOK_PASSWORD: PASSWORD });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('greeting', 40) }] },
    });
    const call = data!.createCall;
    await waitForCall(service, call.id, 'the file to play', (c) => c.playbacks.every((p) => p.status === 'DONE'));
    await service.gql(HANG_UP, { callId: call.id });
    await waitForCall(service, call.id, 'the hangup', (c) => c.state === 'COMPLETED');
    const refused = await service.gql(CREATE_CALL, { input: { from: FROM, to: REFUSED } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BANDWIDTH_ERROR');
    expect(await postWebhook(service, '{"eventType":"answer","callId":"c-1"}', basic(USER, 'wrong'))).toBe(401);
    expect(await postWebhook(service, '{"eventType":"answer"}', basic(USER, PASSWORD))).toBe(400);

    // Bandwidth's hangup is applied, or only recorded when our own confirmation got there first.
    const hangups = (text: string) =>
      (value(text, 'catapult_webhook_events_total', { event_type: 'hangup', outcome: 'applied' }) ?? 0) +
      (value(text, 'catapult_webhook_events_total', { event_type: 'hangup', outcome: 'recorded' }) ?? 0);
    const { status, type, text } = await waitFor('the hangup to be counted', async () => {
      const scraped = await scrape(service);
      return hangups(scraped.text) === 1 ? scraped : undefined;
    });
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'catapult_webhook_events_total', { event_type: 'answer', outcome: 'applied' })).toBe(1);
    expect(value(text, 'catapult_webhook_events_total', { event_type: 'playback', outcome: 'applied' })).toBe(2);
    expect(value(text, 'catapult_webhook_events_total', { event_type: 'unknown', outcome: 'unauthorized' })).toBe(1);
    expect(value(text, 'catapult_webhook_events_total', { event_type: 'unknown', outcome: 'rejected' })).toBe(1);
    expect(value(text, 'catapult_bandwidth_requests_total', { endpoint: 'POST /calls', status: '201' })).toBe(1);
    expect(value(text, 'catapult_bandwidth_requests_total', { endpoint: 'POST /calls', status: '403' })).toBe(1);
    expect(value(text, 'catapult_bandwidth_requests_total', { endpoint: 'POST /calls/{callId}/audio', status: '200' })).toBe(1);
    expect(value(text, 'catapult_bandwidth_requests_total', { endpoint: 'POST /calls/{callId}', status: '200' })).toBe(1);
    expect(value(text, 'catapult_bandwidth_request_duration_seconds_count', { endpoint: 'POST /calls' })).toBe(2);
    // Nothing that identifies a call or a person goes into a label.
    expect(text).not.toMatch(/c-[a-z0-9]{20,}|call_[0-9a-f-]{36}|\+1919/);
  });

  it('with API tokens set, answers only a scrape that presents one, of either scope', async () => {
    const [all, read] = ['metrics-all-token-0001', 'metrics-read-token-0001'];
    const service = await startTestService({ API_TOKENS: `${all}:all,${read}:read` });
    const scrapeWith = async (authorization?: string) => {
      const response = await fetch(`${service.url}/metrics`, { headers: authorization ? { authorization } : {} });
      return { status: response.status, text: await response.text(), challenge: response.headers.get('www-authenticate') };
    };
    for (const authorization of [undefined, 'Bearer not-a-token-of-ours', `Basic ${Buffer.from(`x:${read}`).toString('base64')}`]) {
      const refused = await scrapeWith(authorization);
      expect([authorization, refused.status, JSON.parse(refused.text), refused.challenge]).toEqual([
        authorization,
        401,
        { statusCode: 401, error: 'Unauthorized', message: 'Missing or wrong API token' },
        'Bearer realm="metrics"',
      ]);
    }
    for (const token of [all, read]) {
      const scraped = await scrapeWith(`Bearer ${token}`);
      expect(scraped.status).toBe(200);
      expect(value(scraped.text, 'catapult_outbox_backlog')).toBe(0);
    }
  });

  it('reports calls that have not ended by state, the audio waiting on them and the requests not yet sent', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a') }, { fileUrl: file('b') }] },
    });
    const ringing = await scrape(service);
    expect(value(ringing.text, 'catapult_calls', { state: 'RINGING' })).toBe(1);
    expect(value(ringing.text, 'catapult_calls', { state: 'ACTIVE' })).toBe(0);
    expect(value(ringing.text, 'catapult_audio_queue_depth')).toBe(2);
    expect(value(ringing.text, 'catapult_outbox_backlog')).toBe(0);

    await service.gql(HANG_UP, { callId: data!.createCall.id });
    await waitForCall(service, data!.createCall.id, 'the call to end', (c) => c.state === 'COMPLETED');
    const ended = await scrape(service);
    expect(value(ended.text, 'catapult_calls', { state: 'RINGING' })).toBe(0);
    expect(value(ended.text, 'catapult_audio_queue_depth')).toBe(0);
  });

  it('counts the transactions each commit to the store carried', async () => {
    const service = await startTestService();
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    await waitForCall(service, data!.createCall.id, 'the answer', (c) => c.state === 'ACTIVE');

    const { text } = await scrape(service);
    // At least the create and the answer, each one commit at least.
    expect(value(text, 'catapult_store_commit_transactions_count')).toBeGreaterThanOrEqual(2);
    expect(value(text, 'catapult_store_commit_transactions_sum')).toBeGreaterThanOrEqual(value(text, 'catapult_store_commit_transactions_count')!);
    expect(value(text, 'catapult_store_batch_reruns_total')).toBe(0);
  });

  it('counts open subscriptions by field, and forgets them when their socket closes', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const callId = data!.createCall.id;
    const client = service.ws();
    const events = [1, 2].map(() => new Subscription<{ callEvents: { sequence: number } }>(client, CALL_EVENTS, { callId }));
    const updates = new Subscription<{ callUpdated: CallView }>(client, CALL_UPDATED, { callId });
    await Promise.all(events.map((s) => s.waitFor('the replay', () => true)));
    await updates.waitFor('the current state', () => true);
    const open = await scrape(service);
    expect(value(open.text, 'catapult_graphql_subscriptions_active', { field: 'callEvents' })).toBe(2);
    expect(value(open.text, 'catapult_graphql_subscriptions_active', { field: 'callUpdated' })).toBe(1);

    await client.dispose();
    await waitFor('the subscriptions to be forgotten', async () => {
      const { text } = await scrape(service);
      return (
        value(text, 'catapult_graphql_subscriptions_active', { field: 'callEvents' }) === 0 &&
        value(text, 'catapult_graphql_subscriptions_active', { field: 'callUpdated' }) === 0
      );
    });
  });
});
