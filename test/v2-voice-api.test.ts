import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, PLAY_AUDIO, STOP_AUDIO, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitFor, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';
import { v2Account } from './support/bandwidth-api.js';
import { metricValue, scrapeMetrics } from './support/metrics.js';

afterEach(disposeAll);

/**
 * What only Bandwidth's v2 API asks of the service: OAuth tokens, BXML replies, its webhook
 * routes. The call flow itself runs on v2 with the v1 suites (every suite runs on both APIs unless it says otherwise).
 */
const WEBHOOK = { username: 'bw-test', password: 'v2-webhook-password' };
const V2 = { BANDWIDTH_API_VERSION: 'v2', WEBHOOK_USERNAME: WEBHOOK.username, WEBHOOK_PASSWORD: WEBHOOK.password };
const CREDENTIALS = `${WEBHOOK.username}:${WEBHOOK.password}`;

interface SimRequest {
  method: string;
  path: string;
  status: number;
}

async function requests(service: TestService): Promise<SimRequest[]> {
  return service.sim<SimRequest[]>('GET', '/control/requests');
}

const tokenRequests = (all: SimRequest[]) => all.filter((r) => r.path === '/api/v1/oauth2/token');
const creates = (all: SimRequest[]) => all.filter((r) => r.method === 'POST' && /\/api\/v2\/accounts\/[^/]+\/calls$/.test(r.path));

async function placeCalls(service: TestService, count: number, audio: Array<{ fileUrl: string; loop?: boolean }> = []): Promise<CallView[]> {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: `+1919555${String(3000 + i)}`, audio } }),
    ),
  );
  for (const result of results) expect(result.errors).toBeUndefined();
  return results.map((result) => result.data!.createCall);
}

async function webhook(service: TestService, kind: string, body: unknown, credentials?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credentials) headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  return fetch(`${service.url}/webhooks/bandwidth/v2/${kind}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

forEachSetup('the v2 gateway', { apis: ['v2'] }, () => {
  it('fetches one OAuth token for many concurrent calls, and a fresh one once it expires', async () => {
    const service = await startTestService(V2);
    // Long enough that twenty calls on a busy machine all fall within the first token's life.
    await service.sim('PATCH', '/control/settings', { oauthTokenTtlSeconds: 4 });

    await placeCalls(service, 20);
    // Calls beyond the dial rate's first slot wait their turn: all twenty are placed soon after.
    await waitFor('the first twenty calls to be placed', async () => creates(await requests(service)).length === 20);
    expect(tokenRequests(await requests(service))).toHaveLength(1);

    // The service renews ahead of the expiry it computed from when it asked, so by the time
    // Bandwidth counts the token expired the service no longer uses it.
    await waitFor('the first token to expire', async () => (await service.sim<Array<{ state: string }>>('GET', '/control/oauth/tokens'))[0]?.state === 'expired', 10_000);
    await placeCalls(service, 20);
    await waitFor('all forty calls to be placed', async () => creates(await requests(service)).length === 40);
    const all = await requests(service);
    expect(tokenRequests(all)).toHaveLength(2);
    expect(creates(all).map((r) => r.status)).toEqual(Array(40).fill(201));
    // Counted in /metrics beside the API's own requests.
    const { text } = await scrapeMetrics(service.url);
    expect(metricValue(text, 'catapult_bandwidth_requests_total', { endpoint: 'POST /oauth2/token', status: '200' })).toBe(2);
    expect(metricValue(text, 'catapult_bandwidth_request_duration_seconds_count', { endpoint: 'POST /oauth2/token' })).toBe(2);
  });

  it('sends a request refused 401 for a revoked token once more, with a fresh token, and not again', async () => {
    // A far end slow to answer, so the retried create is seen RINGING however long the retry took.
    const service = await startTestService({ ...V2, SIMULATOR_ANSWER_DELAY_MS: '2000' });
    await placeCalls(service, 1);
    await service.sim('DELETE', '/control/oauth/tokens');

    const [call] = await placeCalls(service, 1);
    expect(call!.state).toBe('RINGING');
    const all = await requests(service);
    expect(tokenRequests(all)).toHaveLength(2);
    expect(creates(all).map((r) => r.status)).toEqual([201, 401, 201]);
  });

  it('sets a file’s startedAt when it is handed to Bandwidth, which reports no start, not when it ends', async () => {
    const service = await startTestService(V2);
    const [placed] = await placeCalls(service, 1, [{ fileUrl: file('long', 60_000) }]);
    const call = await waitForCall(service, placed!.id, 'the file to be handed over', (c) => c.playbacks[0]!.startedAt !== null);
    expect(call.playbacks[0]).toMatchObject({ status: 'PLAYING', endedAt: null });
    expect(Date.parse(call.playbacks[0]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(call.answeredAt!));
  });

  it('plays a looping file again each time it ends, until stopAudio puts the call on hold', async () => {
    const service = await startTestService(V2);
    const [placed] = await placeCalls(service, 1);
    const call = await waitForCall(service, placed!.id, 'the answer', (c) => c.state === 'ACTIVE');
    const played = await service.gql<{ playAudio: { id: string } }>(PLAY_AUDIO, { input: { callId: call.id, fileUrl: file('loop', 40), loop: true } });
    expect(played.errors).toBeUndefined();

    const executed = async () =>
      (await service.sim<{ bxml: Array<{ verb: string; text?: string; outcome?: string }> }>('GET', `/control/calls/${call.bandwidthCallId}`)).bxml;
    await waitFor('the file to play three times', async () => (await executed()).filter((v) => v.verb === 'PlayAudio').length >= 3);
    const stopped = await service.gql<{ stopAudio: CallView }>(STOP_AUDIO, { callId: call.id });
    expect(stopped.data!.stopAudio.playbacks).toMatchObject([{ id: played.data!.playAudio.id, status: 'STOPPED' }]);

    await waitFor('the hold to run', async () => (await executed()).at(-1)?.verb === 'Pause');
    const verbs = await executed();
    expect(verbs.filter((v) => v.verb === 'PlayAudio').every((v) => v.text === file('loop', 40))).toBe(true);
    expect(verbs.at(-1)).toMatchObject({ verb: 'Pause' });
    expect(verbs.at(-1)!.outcome).toBeUndefined();
  });
});

forEachSetup('the v2 webhook routes', { apis: ['v2'] }, () => {
  const redirect = { eventType: 'redirect', eventTime: '2026-12-02T10:00:00.000Z', callId: 'c-unknown', from: FROM, to: ANSWERS };
  const ours = (service: TestService) => v2Account(service.server.simulator!);

  it('refuses a delivery without the webhook credentials, before reading it', async () => {
    const service = await startTestService(V2);
    const response = await webhook(service, 'redirect', redirect);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const wrong = await webhook(service, 'redirect', redirect, `${WEBHOOK.username}:wrong`);
    expect(wrong.status).toBe(401);
  });

  it('refuses a payload that is not the webhook it was sent to, and stores nothing', async () => {
    const service = await startTestService(V2);
    const response = await webhook(service, 'answer', redirect, CREDENTIALS);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(await service.server.store.listUnmatchedEvents(10)).toEqual([]);
  });

  it('hangs up a call it knows nothing of, and keeps the event aside as unmatched', async () => {
    const service = await startTestService(V2);
    const response = await webhook(service, 'redirect', { ...redirect, ...ours(service) }, CREDENTIALS);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect(await service.server.store.listUnmatchedEvents(10)).toMatchObject([{ providerCallId: 'c-unknown', eventType: 'redirect' }]);
  });

  it('hangs up a call that has ended in its records but asks for more BXML', async () => {
    const service = await startTestService(V2);
    const [placed] = await placeCalls(service, 1);
    const call = await waitForCall(service, placed!.id, 'the answer', (c) => c.state === 'ACTIVE');
    const envelope = { callId: call.bandwidthCallId, from: FROM, to: call.to, tag: call.id, ...ours(service) };
    const ended = await webhook(service, 'disconnect', { ...envelope, eventType: 'disconnect', eventTime: new Date().toISOString(), cause: 'hangup' }, CREDENTIALS);
    expect(ended.status).toBe(200);
    expect((await service.gql<{ call: CallView }>('query($id: ID!) { call(id: $id) { state } }', { id: call.id })).data!.call.state).toBe('COMPLETED');

    const response = await fetch(`${service.url}/webhooks/bandwidth/v2/redirect?hold=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}` },
      body: JSON.stringify({ ...envelope, eventType: 'redirect', eventTime: new Date().toISOString() }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
});
