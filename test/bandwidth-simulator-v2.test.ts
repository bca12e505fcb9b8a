import { describe, expect, it } from '@jest/globals';
import { waitFor } from './support/wait-for.js';
import {
  ACCOUNT_ID,
  APPLICATION_ID,
  FROM,
  OAUTH_CLIENT,
  TO,
  V2_CALL_ID,
  accessToken,
  control,
  controlCall,
  createBody,
  createV2Call,
  disconnected,
  response,
  send,
  useV2Harness,
  v2api,
  verbRunning,
  type V2Harness,
} from './support/simulator-v2-harness.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RINGING = '+19195550150';

function expectV2Error(reply: { status: number; json: any }, status: number, type: string, description?: string | RegExp): void {
  expect(reply.status).toBe(status);
  expect(reply.json).toMatchObject({ type, description: expect.any(String) });
  if (description !== undefined) expect(reply.json.description).toMatch(description);
}

async function ringing(h: V2Harness): Promise<void> {
  await control(h, 'PUT', `/scripts/${encodeURIComponent(RINGING)}`, { outcome: 'answer', afterMs: 60_000 });
}

describe('v2 API: credentials and error bodies', () => {
  const h = useV2Harness();

  it('refuses a request without credentials with the documented 401 body', async () => {
    const reply = await v2api(h, 'GET', '/calls', { auth: null });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
  });

  it('refuses a wrong API password and another account with 401', async () => {
    expect((await v2api(h, 'GET', '/calls', { auth: 'v2-api-user:wrong' })).status).toBe(401);
    const other = await send(`${h.sim.url}/api/v2/accounts/5555555/calls`, 'GET');
    expect(other.status).toBe(401);
    expect(other.json.type).toBe('authentication-error');
  });

  it('answers an unknown call with 404 and an unknown method with 405', async () => {
    expectV2Error(await v2api(h, 'GET', '/calls/c-00000000-00000000-0000-0000-0000-000000000000'), 404, 'validation', /^Call \[c-0+-.*\] not found$/);
    expectV2Error(await v2api(h, 'DELETE', '/calls'), 405, 'validation', 'Method Not Allowed');
  });

  it('answers malformed JSON with 400 validation', async () => {
    expectV2Error(await v2api(h, 'POST', '/calls', { rawBody: '{"from":' }), 400, 'validation');
  });

  it('keeps v1 answering with its own error bodies on the same port', async () => {
    const reply = await send(`${h.sim.url}/v1/users/u-test/calls`, 'GET', { auth: null });
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ category: 'authentication', code: 'unauthorized' });
  });
});

describe('v2 API: OAuth client credentials', () => {
  const h = useV2Harness();
  const tokenUrl = () => `${h.sim.url}/api/v1/oauth2/token`;
  const form = { rawBody: 'grant_type=client_credentials', contentType: 'application/x-www-form-urlencoded' };

  it('issues a bearer token that the API accepts', async () => {
    const reply = await send(tokenUrl(), 'POST', { ...form, auth: `${OAUTH_CLIENT.clientId}:${OAUTH_CLIENT.clientSecret}` });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect((await v2api(h, 'GET', '/calls', { auth: `Bearer ${reply.json.access_token}` })).status).toBe(200);
  });

  it('refuses a bad client secret with 401 invalid_client and unknown tokens with 401', async () => {
    const reply = await send(tokenUrl(), 'POST', { ...form, auth: `${OAUTH_CLIENT.clientId}:wrong` });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    const api = await v2api(h, 'GET', '/calls', { auth: 'Bearer not-a-token' });
    expect(api.status).toBe(401);
    expect(api.json.type).toBe('authentication-error');
  });

  it('refuses another grant type and a missing one with 400', async () => {
    const auth = `${OAUTH_CLIENT.clientId}:${OAUTH_CLIENT.clientSecret}`;
    const password = await send(tokenUrl(), 'POST', { auth, rawBody: 'grant_type=password', contentType: 'application/x-www-form-urlencoded' });
    expect(password.status).toBe(400);
    expect(password.json.error).toBe('unsupported_grant_type');
    const missing = await send(tokenUrl(), 'POST', { auth, rawBody: 'scope=x', contentType: 'application/x-www-form-urlencoded' });
    expect(missing.json.error).toBe('invalid_request');
  });

  it('lets tokens expire after the TTL set through the control API', async () => {
    await control(h, 'PATCH', '/settings', { oauthTokenTtlSeconds: 1 });
    try {
      const reply = await send(tokenUrl(), 'POST', { ...form, auth: `${OAUTH_CLIENT.clientId}:${OAUTH_CLIENT.clientSecret}` });
      expect(reply.json.expires_in).toBe(1);
      const auth = `Bearer ${reply.json.access_token}`;
      expect((await v2api(h, 'GET', '/calls', { auth })).status).toBe(200);
      await waitFor('the token to expire', async () => (await control(h, 'GET', '/oauth/tokens')).json.at(-1).state === 'expired');
      expect((await v2api(h, 'GET', '/calls', { auth })).status).toBe(401);
    } finally {
      await control(h, 'PATCH', '/settings', { oauthTokenTtlSeconds: 3600 });
    }
  });

  it('revokes one token, or all, through the control API', async () => {
    const first = await accessToken(h);
    const second = await accessToken(h);
    expect((await control(h, 'DELETE', `/oauth/tokens/${first}`)).status).toBe(204);
    expect((await v2api(h, 'GET', '/calls', { auth: `Bearer ${first}` })).status).toBe(401);
    expect((await v2api(h, 'GET', '/calls', { auth: `Bearer ${second}` })).status).toBe(200);
    await control(h, 'DELETE', '/oauth/tokens');
    expect((await v2api(h, 'GET', '/calls', { auth: `Bearer ${second}` })).status).toBe(401);
    expect((await control(h, 'DELETE', '/oauth/tokens/nope')).status).toBe(404);
  });
});

describe('v2 API: creating and reading calls', () => {
  const h = useV2Harness();

  it('answers 201 with the call, a Location and the documented defaults', async () => {
    await ringing(h);
    const reply = await v2api(h, 'POST', '/calls', { body: createBody(h, { to: RINGING, tag: 'call_01', username: 'hook', password: 'secret' }) });
    expect(reply.status).toBe(201);
    const callUrl = `${h.sim.url}/api/v2/accounts/${ACCOUNT_ID}/calls/${reply.json.callId}`;
    expect(reply.headers.get('location')).toBe(callUrl);
    expect(reply.json).toMatchObject({
      applicationId: APPLICATION_ID,
      accountId: ACCOUNT_ID,
      to: RINGING,
      from: FROM,
      callUrl,
      callTimeout: 30,
      callbackTimeout: 15,
      tag: 'call_01',
      answerMethod: 'POST',
      answerUrl: `${h.hooks.url}/answer`,
      disconnectMethod: 'POST',
      username: 'hook',
      password: '*****',
      priority: 5,
    });
    expect(reply.json.callId).toMatch(V2_CALL_ID);
    expect(reply.json.callId).toHaveLength(47);
    expect(reply.json.enqueuedTime).toMatch(ISO_MS);
  });

  it('validates the create request', async () => {
    const invalid = async (fields: Record<string, unknown>, description: RegExp) => {
      const reply = await v2api(h, 'POST', '/calls', { body: createBody(h, fields) });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ type: 'validation', description: expect.stringMatching(description), id: null });
    };
    await invalid({ to: '5551234' }, /^Invalid to/);
    await invalid({ from: 'sip:me@example.com' }, /^Invalid from/);
    await invalid({ answerUrl: 'ftp://example.com/a' }, /^Invalid answerUrl: only http and https/);
    await invalid({ answerUrl: undefined }, /^Invalid answerUrl: required/);
    await invalid({ callTimeout: 0.5 }, /^Invalid callTimeout/);
    await invalid({ callTimeout: 301 }, /^Invalid callTimeout/);
    await invalid({ callbackTimeout: 26 }, /^Invalid callbackTimeout/);
    await invalid({ priority: 6 }, /^Invalid priority/);
    await invalid({ tag: 'x'.repeat(4097) }, /^Invalid tag/);
    await invalid({ applicationId: '00000000-0000-0000-0000-000000000000' }, /^Invalid applicationId/);
    await invalid({ username: 'u', password: 'p', answerUrl: 'http://hooks.example.com/answer' }, /must be https/);
    expect((await control(h, 'GET', '/calls')).json).toEqual([]);
  });

  it('shows the state of a call from initiated to answered to disconnected', async () => {
    await ringing(h);
    const callId = await createV2Call(h, { to: RINGING });
    const initiated = (await v2api(h, 'GET', `/calls/${callId}`)).json;
    expect(initiated).toMatchObject({ callId, accountId: ACCOUNT_ID, applicationId: APPLICATION_ID, direction: 'outbound', state: 'initiated', answerTime: null, endTime: null, disconnectCause: null });
    expect(initiated).not.toHaveProperty('tag');
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    await control(h, 'POST', `/calls/${callId}/answer`);
    expect((await v2api(h, 'GET', `/calls/${callId}`)).json).toMatchObject({ state: 'answered', answerTime: expect.stringMatching(ISO_MS) });
    expect((await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } })).status).toBe(200);
    await disconnected(h, callId);
    expect((await v2api(h, 'GET', `/calls/${callId}`)).json).toMatchObject({ state: 'disconnected', disconnectCause: 'hangup', endTime: expect.stringMatching(ISO_MS) });
  });

  it('lists v2 calls oldest first, filtered, with Link paging', async () => {
    await ringing(h);
    const first = await createV2Call(h, { to: RINGING });
    const second = await createV2Call(h, { to: RINGING });
    const third = await createV2Call(h, { to: RINGING, from: '+19195550101' });
    await send(`${h.sim.url}/v1/users/u-test/calls`, 'POST', { auth: 't-test:s-test', body: { from: FROM, to: RINGING } });
    const all = await v2api(h, 'GET', `/calls?to=${encodeURIComponent(RINGING)}`);
    expect(all.json.map((call: any) => call.callId)).toEqual([first, second, third]);
    expect((await v2api(h, 'GET', `/calls?from=${encodeURIComponent(FROM)}`)).json.map((call: any) => call.callId)).toEqual([first, second]);
    const page = await v2api(h, 'GET', '/calls?pageSize=2');
    expect(page.json.map((call: any) => call.callId)).toEqual([first, second]);
    const next = /^<(.+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const rest = await send(next!, 'GET');
    expect(rest.json.map((call: any) => call.callId)).toEqual([third]);
    expect(rest.headers.get('link')).toBeNull();
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await v2api(h, 'GET', `/calls?minStartTime=${future}`)).json).toEqual([]);
  });
});

describe('v2 API: updating calls', () => {
  const h = useV2Harness();

  it('cancels a ringing outbound call (cause cancel) and refuses to redirect it (409)', async () => {
    await ringing(h);
    const callId = await createV2Call(h, { to: RINGING });
    const redirect = await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'active', redirectUrl: `${h.hooks.url}/redirect` } });
    expect(redirect.status).toBe(409);
    expect(redirect.json).toEqual({ type: 'validation', description: `Call [${callId}] cannot be modified in its current state`, id: '' });
    const completed = await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    expect(completed.status).toBe(200);
    expect(completed.text).toBe('');
    expect((await disconnected(h, callId)).body.cause).toBe('cancel');
    expect((await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } })).status).toBe(409);
  });

  it('validates updates', async () => {
    await ringing(h);
    const callId = await createV2Call(h, { to: RINGING });
    expect((await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'active' } })).json.description).toMatch(/^Invalid redirectUrl/);
    expect((await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed', redirectUrl: `${h.hooks.url}/r` } })).status).toBe(400);
    expect((await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'paused' } })).status).toBe(400);
  });

  it('redirects an answered call: the redirect webhook carries the new tag and its BXML replaces the running verb', async () => {
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    h.hooks.on('/redirect', response('<PlayAudio>https://audio.example.com/next.mp3?durationMs=20</PlayAudio>'));
    const callId = await createV2Call(h, { tag: 'before' });
    await verbRunning(h, callId, 'Pause');
    const reply = await v2api(h, 'POST', `/calls/${callId}`, { body: { state: 'active', redirectUrl: `${h.hooks.url}/redirect`, tag: 'after', username: 'r', password: 'pw' } });
    expect(reply.status).toBe(200);
    const redirect = await h.hooks.waitForEvent(callId, 'redirect');
    expect(redirect.body).toMatchObject({ eventType: 'redirect', callId, tag: 'after', direction: 'outbound', accountId: ACCOUNT_ID });
    expect(redirect.headers.authorization).toBe(`Basic ${Buffer.from('r:pw').toString('base64')}`);
    const hangup = await disconnected(h, callId);
    expect(hangup.body).toMatchObject({ cause: 'hangup', tag: 'after' });
    const { bxml } = await controlCall(h, callId);
    expect(bxml.map((verb: any) => [verb.document, verb.verb, verb.outcome])).toEqual([
      [1, 'Pause', 'interrupted'],
      [2, 'PlayAudio', 'completed'],
    ]);
  });

  it('replaces the BXML with PUT …/bxml: 204, the running verb interrupted', async () => {
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    const callId = await createV2Call(h);
    await verbRunning(h, callId, 'Pause');
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Bxml><SpeakSentence>Hi</SpeakSentence><Hangup/></Bxml>';
    const reply = await v2api(h, 'PUT', `/calls/${callId}/bxml`, { rawBody: xml, contentType: 'application/xml' });
    expect(reply.status).toBe(204);
    await disconnected(h, callId);
    const { bxml } = await controlCall(h, callId);
    expect(bxml.map((verb: any) => [verb.verb, verb.outcome])).toEqual([
      ['Pause', 'interrupted'],
      ['SpeakSentence', 'completed'],
      ['Hangup', 'completed'],
    ]);
  });

  it('refuses a BXML update of the wrong type (415), invalid BXML (400) and an unanswered call (409)', async () => {
    await ringing(h);
    const callId = await createV2Call(h, { to: RINGING });
    const plain = await v2api(h, 'PUT', `/calls/${callId}/bxml`, { rawBody: '<Bxml/>', contentType: 'text/plain;charset=UTF-8' });
    expect(plain.status).toBe(415);
    expect(plain.json).toEqual({ type: 'validation', description: "Content type 'text/plain;charset=UTF-8' not supported", id: null });
    const json = await v2api(h, 'PUT', `/calls/${callId}/bxml`, { body: { bxml: 'x' } });
    expect(json.status).toBe(415);
    const wrongRoot = await v2api(h, 'PUT', `/calls/${callId}/bxml`, { rawBody: '<Response><Hangup/></Response>', contentType: 'application/xml' });
    expect(wrongRoot.status).toBe(400);
    expect(wrongRoot.json.description).toMatch(/^Invalid BXML: The root element must be <Bxml>/);
    const unanswered = await v2api(h, 'PUT', `/calls/${callId}/bxml`, { rawBody: '<Bxml><Hangup/></Bxml>', contentType: 'application/xml' });
    expect(unanswered.status).toBe(409);
  });

  it('keeps callback passwords out of the request log', async () => {
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    const callId = await createV2Call(h, { username: 'hook', password: 'hook-secret', answerFallbackUrl: 'https://fb:fb-secret@fallback.example.com/a' });
    await h.hooks.waitForEvent(callId, 'answer');
    await v2api(h, 'PUT', `/calls/${callId}/bxml`, {
      rawBody: `<Bxml><Redirect redirectUrl="${h.hooks.url}/r" username="u" password="bxml-secret"/></Bxml>`,
      contentType: 'application/xml',
    });
    const log = await control(h, 'GET', `/requests?callId=${callId}`);
    expect(log.json.map((request: any) => [request.method, request.status])).toEqual([
      ['POST', 201],
      ['PUT', 204],
    ]);
    expect(log.text).not.toMatch(/secret/);
    expect(log.json[0].body).toMatchObject({ username: 'hook', password: '*****', answerFallbackUrl: 'https://fallback.example.com/a' });
    const attempts = await control(h, 'GET', `/calls/${callId}/callbacks`);
    expect(attempts.text).not.toMatch(/secret/);
  });
});

describe('v2 API: call rate limit and API faults', () => {
  const h = useV2Harness();

  it('answers a create over the call rate limit with 429 and Retry-After', async () => {
    await control(h, 'PATCH', '/settings', { callRateLimit: { calls: 1, perMs: 60_000 } });
    await createV2Call(h);
    const refused = await v2api(h, 'POST', '/calls', { body: createBody(h) });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ type: 'error', description: 'Account call creation rate limit exceeded', id: '' });
    expect(refused.headers.get('retry-after')).toBe('60');
  });

  it('injects faults into v2 requests only, with v2 error bodies', async () => {
    const rules = [{ api: 'v2', method: 'POST', path: '/calls$', times: 1, action: { type: 'status', status: 503 } }];
    expect((await control(h, 'PUT', '/faults/api', rules)).status).toBe(200);
    const v1 = await send(`${h.sim.url}/v1/users/u-test/calls`, 'POST', { auth: 't-test:s-test', body: { from: FROM, to: TO } });
    expect(v1.status).toBe(201);
    const faulted = await v2api(h, 'POST', '/calls', { body: createBody(h) });
    expect(faulted.status).toBe(503);
    expect(faulted.json).toEqual({ type: 'system-overloaded', description: 'Managing too many concurrent calls', id: null });
    expect((await v2api(h, 'POST', '/calls', { body: createBody(h) })).status).toBe(201);
    const logged = await control(h, 'GET', '/requests?path=/api/v2/');
    expect(logged.json.map((request: any) => [request.status, request.fault])).toEqual([
      [503, 'status'],
      [201, undefined],
    ]);
  });

  it('drops a create after processing it (reset-after-processing): the call exists', async () => {
    await control(h, 'PUT', '/faults/api', [{ api: 'v2', path: '/calls$', action: { type: 'reset-after-processing' } }]);
    await expect(v2api(h, 'POST', '/calls', { body: createBody(h) })).rejects.toThrow();
    await control(h, 'DELETE', '/faults/api');
    const listed = await v2api(h, 'GET', '/calls');
    expect(listed.json).toHaveLength(1);
  });

  it('overrides fields of an injected v2 error body', async () => {
    await control(h, 'PUT', '/faults/api', [{ api: 'v2', method: 'GET', action: { type: 'status', status: 403, body: { description: 'No Voice role' } } }]);
    const reply = await v2api(h, 'GET', '/calls');
    expect(reply.json).toEqual({ type: 'authorization-error', description: 'No Voice role', id: null });
  });
});
