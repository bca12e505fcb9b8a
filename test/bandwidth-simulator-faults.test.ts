import { describe, expect, it } from '@jest/globals';
import { startSimulator } from '../simulator/simulator.js';
import {
  CREDENTIALS,
  CallbackReceiver,
  USER_ID,
  api,
  control,
  createCall,
  createRequest,
  sleep,
  useResetHarness,
  type Harness,
  type Json,
  type Reply,
} from './support/simulator-harness.js';
import { waitFor } from './support/wait-for.js';

/** What a client sees when the connection is dropped: fetch fails with undici's socket error. */
async function connectionError(request: Promise<unknown>): Promise<string> {
  const error = await request.then(
    () => undefined,
    (failure: unknown) => failure as Error & { cause?: { code?: string } },
  );
  if (!error) throw new Error('the request was answered');
  return error.cause?.code ?? error.message;
}

/** Resolves once the simulator has the create request in hand (answered or not). */
async function createArrived(h: Harness): Promise<void> {
  await waitFor('the create to arrive', async () => (await control(h, 'GET', '/requests')).json.some((r: Json) => r.method === 'POST'));
}

async function listedCalls(h: Harness): Promise<Json[]> {
  return (await api(h, 'GET', '/calls?size=1000&sortOrder=asc')).json;
}

function setApiFaults(h: Harness, rules: unknown): Promise<Reply> {
  return control(h, 'PUT', '/faults/api', rules);
}

describe('API faults', () => {
  const h = useResetHarness();

  it('answers a status 503 rule with the v1 call-unavailable body and does not create the call', async () => {
    await setApiFaults(h, [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'status', status: 503 } }]);
    const refused = await createRequest(h);
    expect(refused.status).toBe(503);
    expect(refused.json).toEqual({
      category: 'unavailable',
      code: 'call-unavailable',
      message: expect.any(String),
      details: [
        { name: 'requestMethod', value: 'POST' },
        { name: 'requestPath', value: `users/${USER_ID}/calls` },
      ],
    });
    expect(await listedCalls(h)).toEqual([]);
    await createCall(h);
    expect(await listedCalls(h)).toHaveLength(1);
  });

  it('answers a 429 rule with X-RateLimit-Reset resetAfterMs ahead, in epoch milliseconds', async () => {
    await setApiFaults(h, [{ action: { type: 'status', status: 429, resetAfterMs: 1000 } }]);
    const before = Date.now();
    const reply = await api(h, 'GET', '/calls');
    const resetAt = Number(reply.headers.get('x-ratelimit-reset'));
    expect(reply.status).toBe(429);
    expect(resetAt).toBeGreaterThanOrEqual(before + 1000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(reply.json).toMatchObject({ category: 'too-many-requests', code: 'rate-limit-reached' });
    expect(reply.json.details[0]).toEqual({ name: 'rateLimitResetTime', value: String(resetAt) });
  });

  it('answers a 403 rule with the documented call-rate-limit body, which the rule may override with its headers', async () => {
    await setApiFaults(h, [
      { path: '/calls$', times: 1, action: { type: 'status', status: 403 } },
      { path: '/calls$', times: 1, action: { type: 'status', status: 500, body: { message: 'boom' }, headers: { 'Retry-After': '1' } } },
    ]);
    const limited = await createRequest(h);
    expect(limited.status).toBe(403);
    expect(limited.json).toMatchObject({ category: 'limit', code: 'call-rate-limit', message: expect.stringMatching(/^You can create 1 calls per 1 seconds/) });
    const broken = await createRequest(h);
    expect(broken.status).toBe(500);
    expect(broken.json).toMatchObject({ category: 'unavailable', code: 'internal-error', message: 'boom' });
    expect(broken.headers.get('retry-after')).toBe('1');
  });

  it('drops the connection on a reset rule without creating the call, and logs the request with its fault', async () => {
    await setApiFaults(h, [{ method: 'post', path: 'calls', times: 1, action: { type: 'reset' } }]);
    expect(await connectionError(createRequest(h, { tag: 'lost' }))).toBe('UND_ERR_SOCKET');
    expect(await listedCalls(h)).toEqual([]);
    const [logged] = (await control(h, 'GET', '/requests')).json;
    expect(logged).toMatchObject({ method: 'POST', path: `/v1/users/${USER_ID}/calls`, fault: 'reset', body: { tag: 'lost' } });
    expect(logged).not.toHaveProperty('status');
  });

  it('creates the call and starts its far end on reset-after-processing, though the client only sees a dropped connection', async () => {
    await setApiFaults(h, [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'reset-after-processing' } }]);
    expect(await connectionError(createRequest(h, { tag: 'order-42' }))).toBe('UND_ERR_SOCKET');
    // The client recovers the call it cannot know about by its tag.
    const found = (await listedCalls(h)).filter((call) => call.tag === 'order-42');
    expect(found).toHaveLength(1);
    await h.receiver.waitForEvent(found[0].id, 'answer');
    const [logged] = (await control(h, 'GET', '/requests?path=/calls')).json;
    expect(logged).toMatchObject({ fault: 'reset-after-processing', status: 201, callId: found[0].id });
  });

  it('creates the call at once but answers late on a delay rule', async () => {
    await setApiFaults(h, [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'delay', delayMs: 400 } }]);
    const sentAt = Date.now();
    let answered = false;
    const reply = createRequest(h).finally(() => (answered = true));
    await waitFor('the call to be created', async () => (await control(h, 'GET', '/calls')).json.length === 1);
    expect(answered).toBe(false);
    expect((await reply).status).toBe(201);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(390);
  });

  it('creates the call only when the late answer goes out on a delay rule with process: false', async () => {
    await setApiFaults(h, [{ method: 'POST', path: '/calls$', times: 1, action: { type: 'delay', delayMs: 400, process: false } }]);
    const reply = createRequest(h);
    await createArrived(h);
    expect((await control(h, 'GET', '/calls')).json).toEqual([]);
    expect((await reply).status).toBe(201);
    expect((await control(h, 'GET', '/calls')).json).toHaveLength(1);
  });

  it('applies the first matching rule that has requests left, and reports what is left of each', async () => {
    await setApiFaults(h, [
      { path: '/audio', times: 1, action: { type: 'status', status: 500 } },
      { method: 'GET', action: { type: 'status', status: 503 } },
    ]);
    const callId = await createCall(h);
    await h.receiver.waitForEvent(callId, 'answer');
    const play = () => api(h, 'POST', `/calls/${callId}/audio`, { body: { sentence: 'hello' } });
    expect((await play()).status).toBe(500);
    expect((await play()).status).toBe(200);
    expect((await api(h, 'GET', `/calls/${callId}`)).status).toBe(503);
    const { json: rules } = await control(h, 'GET', '/faults/api');
    expect(rules.map((rule: Json) => [rule.remaining, rule.applied])).toEqual([
      [0, 1],
      [null, 1],
    ]);
    const logged = (await control(h, 'GET', `/requests?callId=${callId}`)).json;
    expect(logged.map((request: Json) => [request.method, request.status, request.fault])).toEqual([
      ['POST', 201, undefined],
      ['POST', 500, 'status'],
      ['POST', 200, undefined],
      ['GET', 503, 'status'],
    ]);
  });

  it('forgets its rules on DELETE and on reset', async () => {
    await setApiFaults(h, [{ action: { type: 'status', status: 503 } }]);
    expect((await control(h, 'DELETE', '/faults/api')).status).toBe(204);
    expect((await api(h, 'GET', '/calls')).status).toBe(200);
    await setApiFaults(h, [{ action: { type: 'status', status: 503 } }]);
    await control(h, 'POST', '/reset');
    expect((await control(h, 'GET', '/faults/api')).json).toEqual([]);
    expect((await api(h, 'GET', '/calls')).status).toBe(200);
  });

  it('refuses an invalid rule with a 400 naming the rule, and keeps the rules it had', async () => {
    await setApiFaults(h, [{ times: 1, action: { type: 'reset' } }]);
    const unknownType = await setApiFaults(h, [{ action: { type: 'reset' } }, { action: { type: 'explode' } }]);
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.error.message).toMatch(/^rule 1: action must be/);
    expect((await setApiFaults(h, [{ action: { type: 'status', status: 200 } }])).json.error.message).toContain('status must be an integer between 400 and 599');
    expect((await setApiFaults(h, [{ action: { type: 'delay', delayMs: 5, proces: false } }])).json.error.message).toContain('proces');
    expect((await setApiFaults(h, { action: { type: 'reset' } })).status).toBe(400);
    expect((await control(h, 'GET', '/faults/api')).json).toEqual([{ times: 1, action: { type: 'reset' }, remaining: 1, applied: 0 }]);
  });
});

describe('callback faults', () => {
  const h = useResetHarness();

  it('delivers every event 1 + duplicate times with identical bodies', async () => {
    await control(h, 'PUT', '/faults/callbacks', { duplicate: 2 });
    const callId = await createCall(h);
    await h.receiver.waitForEvents(callId, 'answer', 3);
    const answers = h.receiver.bodies(callId);
    expect(answers).toEqual([answers[0], answers[0], answers[0]]);
    const { json: attempts } = await control(h, 'GET', `/calls/${callId}/callbacks`);
    expect(attempts.map((attempt: Json) => [attempt.eventType, attempt.copy, attempt.status])).toEqual([
      ['answer', 1, 200],
      ['answer', 2, 200],
      ['answer', 3, 200],
    ]);
  });

  it('delivers every event delayMs after it happened, still in order', async () => {
    await control(h, 'PUT', '/faults/callbacks', { delayMs: 300 });
    const createdAt = Date.now();
    const callId = await createCall(h);
    await h.receiver.waitForEvent(callId, 'answer');
    expect(h.receiver.received.at(-1)!.receivedAt - createdAt).toBeGreaterThanOrEqual(300);
    await api(h, 'POST', `/calls/${callId}/audio`, { body: { fileUrl: 'https://media.example.com/a.mp3?durationMs=0' } });
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    await h.receiver.waitForEvent(callId, 'hangup');
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'playback:started', 'playback:done', 'hangup']);
  });

  it('retries an event the receiver answered with a 500, and it is delivered once', async () => {
    await control(h, 'PUT', '/faults/callbacks', { retryOnServerError: { attempts: 3, delayMs: 100 } });
    let failures = 1;
    h.receiver.respondWith(() => (failures-- > 0 ? 500 : 200));
    const callId = await createCall(h);
    await h.receiver.waitForEvents(callId, 'answer', 2);
    const [failed, retried] = h.receiver.received.filter((callback) => callback.body.callId === callId);
    expect(retried.body).toEqual(failed.body);
    expect(retried.receivedAt - failed.receivedAt).toBeGreaterThanOrEqual(90);
    const { json: attempts } = await control(h, 'GET', `/calls/${callId}/callbacks`);
    expect(attempts.map((attempt: Json) => [attempt.try, attempt.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
  });

  it('retries an event the receiver did not answer within callbackTimeout', async () => {
    await control(h, 'PUT', '/faults/callbacks', { retryOnServerError: { attempts: 1, delayMs: 10 } });
    let hangs = 1;
    h.receiver.respondWith(() => (hangs-- > 0 ? 'hang' : 200));
    const callId = await createCall(h, { callbackTimeout: 100 });
    await h.receiver.waitForEvents(callId, 'answer', 2);
    // The retry is recorded once its answer has been read.
    const attempts = await waitFor('both attempts to be recorded', async () => {
      const { json } = await control(h, 'GET', `/calls/${callId}/callbacks`);
      return json.length >= 2 ? (json as Json[]) : undefined;
    });
    expect(attempts.map((attempt: Json) => [attempt.try, attempt.status, attempt.error])).toEqual([
      [1, undefined, 'no response within 100 ms'],
      [2, 200, undefined],
    ]);
  });

  it('tries attempts more times, then the fallbackUrl, and never retries a 4xx', async () => {
    await control(h, 'PUT', '/faults/callbacks', { retryOnServerError: { attempts: 2, delayMs: 10 } });
    h.receiver.respondWith((callback) => (callback.path === '/broken' ? 503 : callback.path === '/refusing' ? 400 : 200));
    const broken = await createCall(h, { callbackUrl: `${h.receiver.url}/broken`, fallbackUrl: `${h.receiver.url}/fallback` });
    await h.receiver.waitFor((c) => c.path === '/fallback' && c.body.callId === broken);
    const refused = await createCall(h, { callbackUrl: `${h.receiver.url}/refusing` });
    await h.receiver.waitForEvent(refused, 'answer');
    await sleep(100);
    const paths = (callId: string) => h.receiver.received.filter((c) => c.body.callId === callId).map((c) => c.path);
    expect(paths(broken)).toEqual(['/broken', '/broken', '/broken', '/fallback']);
    expect(paths(refused)).toEqual(['/refusing']);
  });

  it('shows, replaces and clears the callback faults, and refuses unknown fields', async () => {
    expect((await control(h, 'GET', '/faults/callbacks')).json).toEqual({ duplicate: 0, delayMs: 0, retryOnServerError: null });
    await control(h, 'PUT', '/faults/callbacks', { duplicate: 1, delayMs: 5 });
    expect((await control(h, 'PUT', '/faults/callbacks', { delayMs: 7 })).json).toEqual({ duplicate: 0, delayMs: 7, retryOnServerError: null });
    expect((await control(h, 'PUT', '/faults/callbacks', { duplicates: 1 })).json.error.message).toContain('duplicates');
    expect((await control(h, 'DELETE', '/faults/callbacks')).status).toBe(204);
    expect((await control(h, 'GET', '/faults/callbacks')).json.delayMs).toBe(0);
  });
});

describe('holding and releasing a call’s callbacks', () => {
  // The far end only answers when told to, so the test decides when each event happens.
  const h = useResetHarness({ answerDelayMs: 60_000 });

  /** The held callbacks once there are at least `count` (audio events fire on a timer, just after the request). */
  async function heldEvents(callId: string, count: number): Promise<string[]> {
    const held: Json[] = await waitFor(`${count} held callbacks of ${callId}`, async () => {
      const now: Json[] = (await control(h, 'GET', `/calls/${callId}/held`)).json;
      return now.length >= count ? now : undefined;
    });
    return held.map((callback) => (callback.body.status ? `${callback.eventType}:${callback.body.status}` : callback.eventType));
  }

  it('sends nothing while held, then the held callbacks in reverse: hangup before answer', async () => {
    const callId = await createCall(h);
    expect((await control(h, 'POST', `/calls/${callId}/hold`)).json).toEqual({ callId, holding: true, held: [] });
    // Far-end actions still work while held: they queue their callbacks and answer at once.
    expect((await control(h, 'POST', `/calls/${callId}/answer`)).json.state).toBe('active');
    expect((await control(h, 'POST', `/calls/${callId}/hangup`)).json.state).toBe('completed');
    expect(await heldEvents(callId, 2)).toEqual(['answer', 'hangup']);
    await sleep(50);
    expect(h.receiver.bodies(callId)).toEqual([]);
    const released = await control(h, 'POST', `/calls/${callId}/release`, { order: 'reverse' });
    expect(released.json.attempts.map((attempt: Json) => attempt.eventType)).toEqual(['hangup', 'answer']);
    expect(h.receiver.sequence(callId)).toEqual(['hangup', 'answer']);
    expect((await control(h, 'GET', `/calls/${callId}/held`)).json).toEqual([]);
  });

  it('releases in the given order: hangup before playback done', async () => {
    const callId = await createCall(h);
    await control(h, 'POST', `/calls/${callId}/answer`);
    await control(h, 'POST', `/calls/${callId}/hold`);
    await api(h, 'POST', `/calls/${callId}/audio`, { body: { fileUrl: 'https://media.example.com/long.mp3?durationMs=60000' } });
    expect(await heldEvents(callId, 1)).toEqual(['playback:started']);
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    expect(await heldEvents(callId, 3)).toEqual(['playback:started', 'playback:done', 'hangup']);
    await control(h, 'POST', `/calls/${callId}/release`, { order: [0, 2, 1] });
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'playback:started', 'hangup', 'playback:done']);
  });

  it('sends callbacks normally again after the release', async () => {
    const callId = await createCall(h);
    await control(h, 'POST', `/calls/${callId}/hold`);
    await control(h, 'POST', `/calls/${callId}/answer`);
    await control(h, 'POST', `/calls/${callId}/release`);
    await control(h, 'POST', `/calls/${callId}/hangup`);
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'hangup']);
  });

  it('refuses an order that does not name every held callback exactly once, and stays held', async () => {
    const callId = await createCall(h);
    await control(h, 'POST', `/calls/${callId}/hold`);
    await control(h, 'POST', `/calls/${callId}/answer`);
    await control(h, 'POST', `/calls/${callId}/hangup`);
    for (const order of [[0], [0, 0], [1, 2], 'backwards']) {
      expect((await control(h, 'POST', `/calls/${callId}/release`, { order })).status).toBe(400);
    }
    expect(await heldEvents(callId, 2)).toEqual(['answer', 'hangup']);
    expect((await control(h, 'POST', `/calls/${callId}/callbacks/0/redeliver`)).status).toBe(409);
    await control(h, 'POST', `/calls/${callId}/release`, { order: [0, 1] });
    expect((await control(h, 'POST', `/calls/${callId}/release`)).json.error.code).toBe('not-held');
  });
});

describe('the call rate limit', () => {
  const h = useResetHarness({ answerDelayMs: 60_000 });

  it('is off by default, and is removed by null and by reset', async () => {
    expect((await control(h, 'GET', '/settings')).json.callRateLimit).toBeNull();
    expect((await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 1, perMs: 1000 } })).json.callRateLimit).toEqual({ calls: 1, perMs: 1000 });
    expect((await control(h, 'PATCH', '/settings', { callRateLimit: null })).json.callRateLimit).toBeNull();
    await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 1, perMs: 1000 } });
    await control(h, 'POST', '/reset');
    expect((await control(h, 'GET', '/settings')).json.callRateLimit).toBeNull();
    expect((await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 0, perMs: 1000 } })).status).toBe(400);
  });

  it('refuses a create beyond the limit with 403 call-rate-limit and creates nothing, then allows it once the window has passed', async () => {
    await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 1, perMs: 400 } });
    await createCall(h);
    // The create counted no later than this, so its window is over 400 ms from now.
    const windowEndsBy = Date.now() + 400;
    const refused = await createRequest(h);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      category: 'limit',
      code: 'call-rate-limit',
      message: 'You can create 1 calls per 0.4 seconds, calculated as the average over 0.4 seconds. Your rate is: 2',
    });
    expect(await listedCalls(h)).toHaveLength(1);
    await sleep(windowEndsBy + 20 - Date.now());
    await createCall(h);
    expect(await listedCalls(h)).toHaveLength(2);
  });

  it('counts only successful creates', async () => {
    await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 1, perMs: 60_000 } });
    expect((await createRequest(h, { to: 'not-a-number' })).status).toBe(400);
    await createCall(h);
    expect((await createRequest(h)).status).toBe(403);
  });
});

describe('finding a call whose create response was lost', () => {
  const h = useResetHarness({ answerDelayMs: 60_000 });

  it('lists calls with their tags, up to 1000 a page, oldest first on request', async () => {
    for (const tag of ['first', 'second', 'third']) await createCall(h, { tag });
    expect((await listedCalls(h)).map((call) => call.tag)).toEqual(['first', 'second', 'third']);
    expect((await api(h, 'GET', '/calls?size=1000&sortOrder=desc')).json.map((call: Json) => call.tag)).toEqual(['third', 'second', 'first']);
  });
});

describe('closing the simulator during an injected delay', () => {
  it('ends the delay at once and processes nothing', async () => {
    const receiver = await CallbackReceiver.start();
    const sim = await startSimulator({ ...CREDENTIALS, answerDelayMs: 0 });
    const h = { sim, receiver };
    await setApiFaults(h, [{ action: { type: 'delay', delayMs: 60_000, process: false } }]);
    const pending = connectionError(createRequest(h));
    await createArrived(h);
    const closingAt = Date.now();
    await sim.close();
    expect(Date.now() - closingAt).toBeLessThan(1000);
    expect(await pending).toBe('UND_ERR_SOCKET');
    await sleep(100);
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });
});
