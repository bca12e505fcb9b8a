import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CALL_EVENTS, CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { metricValue, scrapeMetrics } from './support/metrics.js';
import { Subscription, disposeAll, startTestService, waitFor, type TestService } from './support/test-service.js';
import { wsExecute } from './support/ws-operation.js';

afterEach(disposeAll);

const TOKEN = 'first-client-token-0123';
const OTHER = 'second-client-token-012';

type Events = { callEvents: { sequence: number } };

/** A call that rings for a minute: something to subscribe to. */
async function ringingCall(service: TestService, token?: string): Promise<string> {
  await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } }, token);
  return data!.createCall.id;
}

/** A subscription that the service accepted: it has replayed the call's first event. */
async function accepted(subscription: Subscription<Events>): Promise<Subscription<Events>> {
  await subscription.waitFor('the replay', () => true);
  return subscription;
}

forEachSetup('subscription limits', ABOVE_BANDWIDTH, () => {
  it('refuse a subscription over the per-connection limit with TOO_MANY_SUBSCRIPTIONS, keep the socket, and free a slot when one ends', async () => {
    const service = await startTestService({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    const callId = await ringingCall(service);
    const client = service.ws();
    let closes = 0;
    client.on('closed', () => (closes += 1));
    const first = await accepted(new Subscription<Events>(client, CALL_EVENTS, { callId }));
    await accepted(new Subscription<Events>(client, CALL_EVENTS, { callId }));

    const refused = await wsExecute(client, CALL_EVENTS, { callId });
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Too many subscriptions: 2 are open on this connection/),
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'connection', max: 2 },
      }),
    ]);
    const { text } = await scrapeMetrics(service.url);
    expect(metricValue(text, 'catapult_graphql_subscriptions_refused_total', { limit: 'connection' })).toBe(1);

    first.close();
    const again = await accepted(new Subscription<Events>(client, CALL_EVENTS, { callId }));
    expect(again.items[0]!.callEvents.sequence).toBe(1);
    expect(closes).toBe(0);
  });

  it('count a token’s subscriptions over all its sockets, and other tokens apart', async () => {
    const service = await startTestService({ API_TOKENS: `${TOKEN},${OTHER}`, MAX_SUBSCRIPTIONS_PER_TOKEN: '3' });
    const callId = await ringingCall(service, TOKEN);
    const [one, two] = [service.ws({ authorization: `Bearer ${TOKEN}` }), service.ws({ authorization: `Bearer ${TOKEN}` })];
    await accepted(new Subscription<Events>(one, CALL_EVENTS, { callId }));
    await accepted(new Subscription<Events>(one, CALL_EVENTS, { callId }));
    await accepted(new Subscription<Events>(two, CALL_EVENTS, { callId }));

    const refused = await wsExecute(two, CALL_EVENTS, { callId });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'token', max: 3 });
    await accepted(new Subscription<Events>(service.ws({ authorization: `Bearer ${OTHER}` }), CALL_EVENTS, { callId }));
  });

  it('hold the whole instance to MAX_SUBSCRIPTIONS, whoever asks, and count a closed socket’s subscriptions as ended', async () => {
    const service = await startTestService({ API_TOKENS: `${TOKEN},${OTHER}`, MAX_SUBSCRIPTIONS: '2' });
    const callId = await ringingCall(service, TOKEN);
    const first = service.ws({ authorization: `Bearer ${TOKEN}` });
    await accepted(new Subscription<Events>(first, CALL_EVENTS, { callId }));
    const other = service.ws({ authorization: `Bearer ${OTHER}` });
    await accepted(new Subscription<Events>(other, CALL_EVENTS, { callId }));

    const refused = await wsExecute(other, CALL_EVENTS, { callId });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'instance', max: 2 });

    await first.dispose();
    // The slot comes back once the service has seen the socket close.
    await waitFor('the closed socket’s slot to be free', async () => {
      const result = await wsExecute(other, CALL_EVENTS, { callId });
      if (result.errors) expect(result.errors[0]?.extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
      return !result.errors;
    });
  });
});
