import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL, type CallView } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const USER = 'bandwidth';
const PASSWORD = 'a-webhook-password';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let service: TestService;

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}/webhooks/bandwidth`, {
    method: 'POST',
    headers: { authorization: basic(USER, PASSWORD), 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function ringingCall(): Promise<CallView> {
  await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
  return data!.createCall;
}

async function eventsOf(id: string) {
  const { data } = await service.gql<{ call: CallView }>(GET_CALL, { id });
  return data!.call;
}

// v1's webhook route and payloads; v2's routes have their own suite (v2-voice-api.test.ts).
forEachSetup('POST /webhooks/bandwidth', { apis: ['v1'] }, () => {
  beforeEach(async () => {
    service = await startTestService({ WEBHOOK_USERNAME: USER, WEBHOOK_PASSWORD: PASSWORD });
  });

  it('rejects a request without credentials with 401 and changes nothing', async () => {
    const call = await ringingCall();
    const answer = JSON.stringify({ eventType: 'answer', callId: call.bandwidthCallId, tag: call.id, time: new Date().toISOString() });
    for (const authorization of ['', basic(USER, 'wrong'), basic('someone', PASSWORD), 'Bearer x']) {
      const { status, body } = await post(answer, { authorization });
      expect(status).toBe(401);
      expect(body.message).toMatch(/credentials/);
    }
    expect(await eventsOf(call.id)).toMatchObject({ state: 'RINGING', lastSequence: call.lastSequence });
  });

  it('rejects malformed bodies with 400 and stores nothing', async () => {
    const call = await ringingCall();
    const cases = [
      '{"eventType": "answer", "callId": ',
      JSON.stringify({ eventType: 'answer' }),
      JSON.stringify({ callId: call.bandwidthCallId }),
      JSON.stringify({ eventType: 42, callId: call.bandwidthCallId }),
      JSON.stringify([{ eventType: 'answer', callId: call.bandwidthCallId }]),
      JSON.stringify({ eventType: 'playback', callId: call.bandwidthCallId, status: 7 }),
    ];
    for (const body of cases) {
      const response = await post(body);
      expect([body, response.status]).toEqual([body, 400]);
      expect(typeof response.body.message).toBe('string');
    }
    expect((await eventsOf(call.id)).lastSequence).toBe(call.lastSequence);
  });

  it('answers 415 to a body that is not JSON and 413 to one over 64 KiB', async () => {
    expect((await post('eventType=answer', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    const huge = JSON.stringify({ eventType: 'answer', callId: 'c-x', padding: 'x'.repeat(70 * 1024) });
    expect((await post(huge)).status).toBe(413);
  });

  it('acknowledges an event for an unknown call with 200 and keeps it for diagnosis', async () => {
    const { status, body } = await post(JSON.stringify({ eventType: 'answer', callId: 'c-unknownunknownunknown1' }));
    expect(status).toBe(200);
    expect(body.status).toBe('unmatched');
    const unmatched = await service.server.store.listUnmatchedEvents(10);
    expect(unmatched[0]).toMatchObject({ providerCallId: 'c-unknownunknownunknown1', eventType: 'answer' });
  });

  it('records an unknown event type and otherwise ignores it', async () => {
    const call = await ringingCall();
    const { status, body } = await post(
      JSON.stringify({ eventType: 'teleport', callId: call.bandwidthCallId, time: new Date().toISOString() }),
    );
    expect(status).toBe(200);
    expect(body.status).toBe('recorded');
    const after = await eventsOf(call.id);
    expect(after.state).toBe('RINGING');
    expect(after.events!.at(-1)).toMatchObject({ type: 'teleport', source: 'BANDWIDTH', applied: false });
  });

  it('is idempotent: a redelivered event is counted, not applied again', async () => {
    const call = await ringingCall();
    const hangup = JSON.stringify({
      eventType: 'hangup',
      callId: call.bandwidthCallId,
      tag: call.id,
      cause: 'USER_BUSY',
      time: new Date().toISOString(),
    });
    expect((await post(hangup)).body.status).toBe('applied');
    expect((await post(hangup)).body.status).toBe('duplicate');
    const after = await eventsOf(call.id);
    expect(after).toMatchObject({ state: 'FAILED', endReason: 'BUSY' });
    const hangups = after.events!.filter((e) => e.type === 'hangup');
    expect(hangups).toHaveLength(1);
    expect(hangups[0]!.deliveries).toBe(2);

    // A late answer after the call ended is kept, marked as not applied, and changes nothing.
    const late = await post(JSON.stringify({ eventType: 'answer', callId: call.bandwidthCallId, tag: call.id, time: new Date().toISOString() }));
    expect(late.body.status).toBe('recorded');
    expect((await eventsOf(call.id)).state).toBe('FAILED');
  });
});
