import { BandwidthError } from '../src/bandwidth/bandwidth-error.js';
import type { BandwidthClientLogger } from '../src/bandwidth/request-observer.js';
import { basicAuthoriser } from '../src/bandwidth/v2/basic-authoriser.js';
import { BandwidthV2Client, type BandwidthV2ClientOptions } from '../src/bandwidth/v2/client.js';
import { OAuthAuthoriser, type OAuthAuthoriserOptions } from '../src/bandwidth/v2/oauth-authoriser.js';
import { startScriptedServer, unusedPort, type ReceivedRequest, type ScriptedServer, type Step } from './support/scripted-server.js';

const ACCOUNT_ID = '9900000';
const APPLICATION_ID = '04e88489-df02-4e34-a0ee-27a91849555f';
const CALLS_PATH = `/api/v2/accounts/${ACCOUNT_ID}/calls`;
const CALL_ID = 'c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85';
const API_USER = 'api-user';
const API_PASSWORD = 'aPi-PaSs-4d3c2b1a';
const BASIC = Buffer.from(`${API_USER}:${API_PASSWORD}`).toString('base64');
const CLIENT_ID = 'client-id-1';
const CLIENT_SECRET = 'cLiEnT-sEcReT-0f9e8d7c';
const CLIENT_BASIC = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
const HOOKS = 'https://hook-user:hook-pass@us.example/webhooks/bandwidth/v2';
const REDIRECT = 'https://us.example/webhooks/bandwidth/v2/redirect';

interface LogLine {
  level: 'debug' | 'warn';
  fields: Record<string, unknown>;
  message?: string;
}

function recordingLogger(): BandwidthClientLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    debug: (fields, message) => lines.push({ level: 'debug', fields: fields as Record<string, unknown>, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
  };
}

const newCall = { from: '+19195554321', to: '+19195551234', callTimeoutSeconds: 30, callbackUrl: 'ignored-by-v2', tag: 'call_01' };

let servers: ScriptedServer[] = [];

async function serve(...steps: Step[]): Promise<ScriptedServer> {
  const server = await startScriptedServer(steps);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

function clientFor(server: ScriptedServer, options: Partial<BandwidthV2ClientOptions> = {}): BandwidthV2Client {
  return new BandwidthV2Client({
    voiceApiUrl: server.baseUrl,
    accountId: ACCOUNT_ID,
    applicationId: APPLICATION_ID,
    authoriser: basicAuthoriser(API_USER, API_PASSWORD),
    callbackUrl: () => HOOKS,
    maxRetryDelayMs: 20,
    ...options,
  });
}

function oauthFor(tokens: ScriptedServer, options: Partial<OAuthAuthoriserOptions> = {}): OAuthAuthoriser {
  return new OAuthAuthoriser({
    tokenUrl: `${tokens.baseUrl}/api/v1/oauth2/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    maxRetryDelayMs: 20,
    ...options,
  });
}

const token = (value: string, expiresIn: number | undefined = 3600): Step => ({
  status: 200,
  body: { access_token: value, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) },
});

async function failureOf(promise: Promise<unknown>): Promise<BandwidthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BandwidthError);
    return error as BandwidthError;
  }
  throw new Error('expected the request to fail');
}

const created: Step = { status: 201, body: { callId: CALL_ID, accountId: ACCOUNT_ID, callUrl: `https://voice.bandwidth.com${CALLS_PATH}/${CALL_ID}` } };
const v2Error = (status: number, type: string, description: string): Step => ({ status, body: { type, description, id: null } });
const callState = (fields: Record<string, unknown>): Step => ({
  status: 200,
  body: { callId: CALL_ID, accountId: ACCOUNT_ID, direction: 'outbound', to: '+19195551234', from: '+19195554321', ...fields },
});
const sent = (request: ReceivedRequest) => [request.method, request.url, request.body === '' ? undefined : request.body];

describe('BandwidthV2Client.createCall', () => {
  it('posts the v2 create body, webhook credentials apart from the URLs, with Basic auth', async () => {
    const server = await serve(created);

    await expect(clientFor(server).createCall(newCall)).resolves.toEqual({ providerCallId: CALL_ID });

    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(CALLS_PATH);
    expect(request.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json()).toEqual({
      from: '+19195554321',
      to: '+19195551234',
      applicationId: APPLICATION_ID,
      answerUrl: 'https://us.example/webhooks/bandwidth/v2/answer',
      disconnectUrl: 'https://us.example/webhooks/bandwidth/v2/disconnect',
      callTimeout: 30,
      tag: 'call_01',
      username: 'hook-user',
      password: 'hook-pass',
    });
  });

  it('sends no webhook credentials when the callback URL has none, and reads it at each call', async () => {
    const server = await serve(created);
    let base = 'https://us.example/hooks/v2/';

    const client = clientFor(server, { callbackUrl: () => base });
    base = 'https://other.example/v2';
    await client.createCall({ ...newCall, callTimeoutSeconds: undefined });

    expect(server.requests[0].json()).toEqual({
      from: '+19195554321',
      to: '+19195551234',
      applicationId: APPLICATION_ID,
      answerUrl: 'https://other.example/v2/answer',
      disconnectUrl: 'https://other.example/v2/disconnect',
      tag: 'call_01',
    });
  });

  it('maps 429 to call-rate-limit after retrying it', async () => {
    const limited = v2Error(429, 'error', 'Account call creation rate limit exceeded');
    const server = await serve(limited, limited, limited);

    const error = await failureOf(clientFor(server, { retryLimit: 2 }).createCall(newCall));

    expect(error).toMatchObject({ code: 'call-rate-limit', status: 429, category: 'error', mayHaveTakenEffect: false });
    expect(error.message).toContain('Account call creation rate limit exceeded');
    expect(server.requests).toHaveLength(3);
  });

  it('resends a create refused with 429 and succeeds', async () => {
    const server = await serve(v2Error(429, 'error', 'slow down'), created);

    await expect(clientFor(server).createCall(newCall)).resolves.toEqual({ providerCallId: CALL_ID });
    expect(server.requests).toHaveLength(2);
  });

  it('never resends a create after a 500 or a reset, and says it may have taken effect', async () => {
    const server = await serve(v2Error(500, 'internal-error', 'An unknown internal error occurred'), { destroy: true });
    const client = clientFor(server);

    const failed = await failureOf(client.createCall(newCall));
    const reset = await failureOf(client.createCall(newCall));

    expect(failed).toMatchObject({ code: 'http-500', status: 500, category: 'internal-error', mayHaveTakenEffect: true });
    expect(reset).toMatchObject({ code: 'network-error', errno: 'ECONNRESET', mayHaveTakenEffect: true });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a 400 with its v2 description, not retried', async () => {
    const server = await serve(v2Error(400, 'validation', 'Invalid to: must be an E164 telephone number'));

    const error = await failureOf(clientFor(server).createCall(newCall));

    expect(error).toMatchObject({ code: 'http-400', status: 400, category: 'validation', mayHaveTakenEffect: false });
    expect(error.message).toBe(`Bandwidth POST ${CALLS_PATH} answered 400 http-400: Invalid to: must be an E164 telephone number`);
  });

  it('reports missing-call-id, which may have taken effect, for a 201 without a callId', async () => {
    const server = await serve({ status: 201, body: { accountId: ACCOUNT_ID } });

    const error = await failureOf(clientFor(server).createCall(newCall));

    expect(error).toMatchObject({ code: 'missing-call-id', status: 201, mayHaveTakenEffect: true });
  });
});

describe('BandwidthV2Client call state', () => {
  it('maps v2 states onto the domain status', async () => {
    const server = await serve(
      callState({ state: 'queued', startTime: null }),
      callState({ state: 'initiated' }),
      callState({ state: 'answered', answerTime: '2022-06-16T13:15:18.126Z' }),
      callState({
        state: 'disconnected',
        answerTime: '2022-06-16T13:15:18.126Z',
        endTime: '2022-06-16T13:15:18.314Z',
        disconnectCause: 'hangup',
        errorMessage: null,
      }),
    );
    const client = clientFor(server);

    const queued = await client.getCallStatus(CALL_ID);
    const initiated = await client.getCallStatus(CALL_ID);
    const answered = await client.getCallStatus(CALL_ID);
    const ended = await client.getCallStatus(CALL_ID);

    expect(server.requests.map(sent)).toEqual(Array(4).fill(['GET', `${CALLS_PATH}/${CALL_ID}`, undefined]));
    expect(queued).toMatchObject({ providerCallId: CALL_ID, state: 'ringing', answeredAt: null, endedAt: null, hangupCause: null });
    expect(initiated?.state).toBe('ringing');
    expect(answered).toMatchObject({ state: 'active', answeredAt: new Date('2022-06-16T13:15:18.126Z'), hangupCause: null });
    expect(ended).toMatchObject({
      state: 'ended',
      answeredAt: new Date('2022-06-16T13:15:18.126Z'),
      endedAt: new Date('2022-06-16T13:15:18.314Z'),
      hangupCause: 'hangup',
      raw: expect.objectContaining({ state: 'disconnected', disconnectCause: 'hangup' }),
    });
  });

  it('answers null for 404 and retries a 503', async () => {
    const server = await serve(v2Error(404, 'validation', `Call [${CALL_ID}] not found`), v2Error(503, 'system-overloaded', 'busy'), callState({ state: 'answered' }));
    const client = clientFor(server);

    await expect(client.getCallStatus(CALL_ID)).resolves.toBeNull();
    await expect(client.getCallStatus(CALL_ID)).resolves.toMatchObject({ state: 'active' });
    expect(server.requests).toHaveLength(3);
  });
});

describe('BandwidthV2Client.findCallByTag', () => {
  const listed = (calls: Array<Record<string, unknown>>, link?: string): Step => ({
    status: 200,
    headers: link === undefined ? {} : { link },
    body: calls.map((call) => ({ accountId: ACCOUNT_ID, to: '+19195551234', state: 'initiated', ...call })),
  });

  // The unconfirmed create went out at 10:00; candidates are outbound calls between the two numbers since then.
  const DIALLED = { from: '+19195550100', to: '+19195551234', since: new Date('2026-01-01T10:00:00.000Z') };

  it('lists calls between the two numbers since the create, reads candidates newest first, and returns the one with our tag', async () => {
    const server = await serve(
      listed([
        { callId: 'c-old', startTime: '2026-01-01T10:00:00.000Z' },
        { callId: 'c-new', startTime: '2026-01-01T10:05:00.000Z' },
      ]),
      { status: 200, body: { callId: 'c-new', state: 'initiated', tag: 'call_other' } },
      { status: 200, body: { callId: 'c-old', state: 'answered', tag: 'call_01', answerTime: '2026-01-01T10:00:09.000Z' } },
    );

    const found = await clientFor(server).findCallByTag('call_01', DIALLED);

    expect(found).toMatchObject({ providerCallId: 'c-old', state: 'active' });
    const list = new URL(server.requests[0].url, server.baseUrl);
    expect(list.pathname).toBe(CALLS_PATH);
    expect(list.searchParams.get('to')).toBe('+19195551234');
    expect(list.searchParams.get('from')).toBe('+19195550100');
    expect(list.searchParams.get('pageSize')).toBe('100');
    // A minute before the create, for clocks that disagree.
    expect(list.searchParams.get('minStartTime')).toBe('2026-01-01T09:59:00.000Z');
    expect(server.requests.slice(1).map((request) => request.url)).toEqual([`${CALLS_PATH}/c-new`, `${CALLS_PATH}/c-old`]);
  });

  it('answers null when no call went to the number, or only inbound ones and ones older than the create', async () => {
    const server = await serve(
      listed([
        { callId: 'c-older', startTime: '2026-01-01T09:58:59.000Z' },
        { callId: 'c-inbound', startTime: '2026-01-01T10:00:01.000Z', direction: 'inbound' },
      ]),
    );

    await expect(clientFor(server).findCallByTag('call_01', DIALLED)).resolves.toBeNull();
    expect(server.requests).toHaveLength(1);
  });

  it('answers null when no call went to the number at all', async () => {
    const server = await serve(listed([]));

    await expect(clientFor(server).findCallByTag('call_01', DIALLED)).resolves.toBeNull();
  });

  it('follows the next-page token on its own root, at most three pages', async () => {
    const next = (n: number) => `<https://elsewhere.example${CALLS_PATH}?pageToken=t${n}>; rel="next"`;
    const server = await serve(listed([], next(1)), listed([], next(2)), listed([], next(3)));

    await expect(clientFor(server).findCallByTag('call_01', DIALLED)).resolves.toBeNull();

    expect(server.requests.map((request) => new URL(request.url, server.baseUrl).searchParams.get('pageToken'))).toEqual([null, 't1', 't2']);
  });

  it('fails as inconclusive when a candidate carries no tag (as Bandwidth documents its call state)', async () => {
    const server = await serve(listed([{ callId: 'c-1', startTime: '2026-01-01T10:00:00.000Z' }]), callState({ callId: 'c-1', state: 'initiated' }));

    const error = await failureOf(clientFor(server).findCallByTag('call_01', DIALLED));

    expect(error).toMatchObject({ code: 'call-lookup-inconclusive', mayHaveTakenEffect: false });
  });
});

describe('BandwidthV2Client call updates', () => {
  it('hangs up with state completed', async () => {
    const server = await serve({ status: 200 });
    const client = clientFor(server);

    await client.hangUp(CALL_ID);

    expect(server.requests.map((request) => [request.method, request.url, request.json()])).toEqual([
      ['POST', `${CALLS_PATH}/${CALL_ID}`, { state: 'completed' }],
    ]);
    expect(server.requests.every((request) => request.headers.authorization === `Basic ${BASIC}`)).toBe(true);
  });

  it('answers a ringing call in the reply to its next ringing redirect, and resolves once that reply is out', async () => {
    const server = await serve();
    const client = clientFor(server, { ringSeconds: 1 });
    let answered = false;
    const answering = client.answer(CALL_ID).then(() => {
      answered = true;
    });

    await new Promise((resolve) => setTimeout(resolve, 20));
    const reply = client.replies.open(CALL_ID);
    const document = reply.take();
    expect(answered).toBe(false);
    reply.close();
    await answering;

    expect(document).toContain('<Pause duration="86400"/>');
    expect(document).toContain('?hold=1');
    expect(server.requests).toHaveLength(0);
  });

  it('fails an answer with call-invalid-state when the call asks for no BXML in time', async () => {
    const server = await serve();
    const client = clientFor(server, { answerWaitMs: 50 });

    const error = await failureOf(client.answer(CALL_ID));

    expect(error).toMatchObject({ code: 'call-invalid-state' });
    expect(error.message).toContain('within 50 ms');
    expect(server.requests).toHaveLength(0);
  });

  it('maps 409 and 404 of an update to call-invalid-state, which the domain takes as already ended', async () => {
    const server = await serve(
      { status: 409, body: { type: 'validation', description: `Call [${CALL_ID}] cannot be modified in its current state`, id: '' } },
      v2Error(404, 'validation', `Call [${CALL_ID}] not found`),
    );
    const client = clientFor(server);

    const conflict = await failureOf(client.hangUp(CALL_ID));
    const gone = await failureOf(client.hangUp(CALL_ID));

    expect(conflict).toMatchObject({ code: 'call-invalid-state', status: 409, category: 'validation' });
    expect(conflict.message).toContain('cannot be modified in its current state');
    expect(gone).toMatchObject({ code: 'call-invalid-state', status: 404 });
    expect(server.requests).toHaveLength(2);
  });

  it('retries an update on 5xx and resets', async () => {
    const server = await serve(v2Error(500, 'internal-error', 'x'), { destroy: true }, { status: 200 });

    await clientFor(server).hangUp(CALL_ID);

    expect(server.requests).toHaveLength(3);
  });
});

describe('BandwidthV2Client audio', () => {
  const bxmlPath = `${CALLS_PATH}/${CALL_ID}/bxml`;
  const credentials = 'username="hook-user" password="hook-pass"';
  const playBxml = (marker: string) =>
    '<?xml version="1.0" encoding="UTF-8"?><Bxml><PlayAudio>https://media.example/a.mp3</PlayAudio>' +
    `<Redirect redirectUrl="${REDIRECT}?${marker}" ${credentials}/></Bxml>`;
  const holdBxml = (root: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><${root}><Pause duration="86400"/><Redirect redirectUrl="${REDIRECT}?hold=1" ${credentials}/></${root}>`;

  it('PUTs the play document when no webhook of the call is waiting', async () => {
    const server = await serve({ status: 204 }, { status: 204 }, { status: 204 });
    const client = clientFor(server);

    await client.playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_1' });
    await client.playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: true, tag: 'pb_2' });
    await client.stopAudio(CALL_ID);

    expect(server.requests.map(sent)).toEqual([
      ['PUT', bxmlPath, playBxml('playback=pb_1')],
      ['PUT', bxmlPath, playBxml('playback=pb_2&amp;loop=1')],
      ['PUT', bxmlPath, holdBxml('Bxml')],
    ]);
    expect(server.requests.every((request) => request.headers['content-type'] === 'application/xml')).toBe(true);
  });

  it('fills the open reply of a waiting webhook instead of sending anything', async () => {
    const server = await serve();
    const client = clientFor(server);
    const reply = client.replies.open(CALL_ID);

    await client.forCall('call_01').playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_1' });

    expect(reply.take()).toBe(playBxml('playback=pb_1').replace(/Bxml>/g, 'Response>'));
    reply.close();
    expect(server.requests).toHaveLength(0);
  });

  it('gives an open reply the last document decided, and PUTs what comes after the reply was taken', async () => {
    const server = await serve({ status: 204 });
    const client = clientFor(server);
    const other = client.replies.open('c-other');
    const reply = client.replies.open(CALL_ID);

    await client.playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_1' });
    await client.stopAudio(CALL_ID);
    expect(reply.take()).toBe(holdBxml('Response'));
    await client.playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_2' });
    reply.close();

    expect(server.requests.map(sent)).toEqual([['PUT', bxmlPath, playBxml('playback=pb_2')]]);
    expect(other.take()).toBeUndefined();
    other.close();
  });

  it('answers undefined from a reply nothing filled, and PUTs once it is closed', async () => {
    const server = await serve({ status: 204 });
    const client = clientFor(server);
    const reply = client.replies.open(CALL_ID);

    reply.close();
    reply.close();
    await client.stopAudio(CALL_ID);

    expect(reply.take()).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it('maps 409 of a PUT to call-audio-invalid-state and never resends a play after a 500', async () => {
    const server = await serve(
      { status: 409, body: { type: 'validation', description: 'cannot be modified', id: '' } },
      v2Error(500, 'internal-error', 'x'),
    );
    const client = clientFor(server);
    const audio = { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_1' };

    const conflict = await failureOf(client.playAudio(CALL_ID, audio));
    const failed = await failureOf(client.playAudio(CALL_ID, audio));

    expect(conflict).toMatchObject({ code: 'call-audio-invalid-state', status: 409 });
    expect(failed).toMatchObject({ code: 'http-500', mayHaveTakenEffect: true });
    expect(server.requests).toHaveLength(2);
  });

  it('resends a play refused with 503 (Bandwidth did nothing)', async () => {
    const server = await serve(v2Error(503, 'system-overloaded', 'Managing too many concurrent calls'), { status: 204 });

    await clientFor(server).playAudio(CALL_ID, { fileUrl: 'https://media.example/a.mp3', loop: false, tag: 'pb_1' });

    expect(server.requests).toHaveLength(2);
  });

  it('offers the default documents for the route', () => {
    const client = new BandwidthV2Client({
      accountId: ACCOUNT_ID,
      applicationId: APPLICATION_ID,
      authoriser: basicAuthoriser(API_USER, API_PASSWORD),
      callbackUrl: () => HOOKS,
      holdSeconds: 60,
      ringSeconds: 3,
    });

    expect(client.holdResponse()).toBe(holdBxml('Response').replace('86400', '60'));
    expect(client.ringingResponse()).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Ring duration="3" answerCall="false"/><Redirect redirectUrl="${REDIRECT}?ringing=1" ${credentials}/></Response>`,
    );
  });
});

describe('BandwidthV2Client with OAuth', () => {
  it('fetches one token for 50 concurrent requests and sends it as Bearer', async () => {
    const tokens = await serve({ ...token('tok-1'), delayMs: 50 } as Step);
    const api = await serve(...Array.from({ length: 50 }, () => ({ status: 200 }) as Step));
    const client = clientFor(api, { authoriser: oauthFor(tokens) });

    await Promise.all(Array.from({ length: 50 }, () => client.hangUp(CALL_ID)));

    expect(tokens.requests).toHaveLength(1);
    const [tokenRequest] = tokens.requests;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.url).toBe('/api/v1/oauth2/token');
    expect(tokenRequest.headers.authorization).toBe(`Basic ${CLIENT_BASIC}`);
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest.body).toBe('grant_type=client_credentials');
    expect(api.requests).toHaveLength(50);
    expect(api.requests.every((request) => request.headers.authorization === 'Bearer tok-1')).toBe(true);
  });

  it('renews the token ahead of its expiry: 60 s early, or a tenth of a short life', async () => {
    let now = 1_000_000;
    const tokens = await serve(token('tok-1', 3600), token('tok-2', 100), token('tok-3', 100));
    const authoriser = oauthFor(tokens, { now: () => now });

    expect(await authoriser.authorization()).toBe('Bearer tok-1');
    now += 3_539_000;
    expect(await authoriser.authorization()).toBe('Bearer tok-1');
    now += 2_000;
    expect(await authoriser.authorization()).toBe('Bearer tok-2');
    now += 89_000;
    expect(await authoriser.authorization()).toBe('Bearer tok-2');
    now += 2_000;
    expect(await authoriser.authorization()).toBe('Bearer tok-3');
    expect(tokens.requests).toHaveLength(3);
  });

  it('refreshes an expired short-lived token for the next request', async () => {
    let now = 1_000_000;
    const tokens = await serve(token('tok-1', 1), token('tok-2', 1));
    const api = await serve({ status: 200 }, { status: 200 });
    const client = clientFor(api, { authoriser: oauthFor(tokens, { now: () => now }) });

    await client.hangUp(CALL_ID);
    // Renewed a tenth of its one-second life early.
    now += 950;
    await client.hangUp(CALL_ID);

    expect(api.requests.map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('retries a 401 once with a fresh token', async () => {
    const tokens = await serve(token('tok-1'), token('tok-2'));
    const api = await serve(v2Error(401, 'authentication-error', 'The credentials provided were invalid'), created);
    const logger = recordingLogger();
    const client = clientFor(api, { authoriser: oauthFor(tokens), logger });

    await expect(client.createCall(newCall)).resolves.toEqual({ providerCallId: CALL_ID });

    expect(api.requests.map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'retrying bandwidth request with fresh credentials' }),
    ]);
  });

  it('does not retry a second 401, nor a 401 to Basic credentials', async () => {
    const refused = v2Error(401, 'authentication-error', 'The credentials provided were invalid');
    const tokens = await serve(token('tok-1'), token('tok-2'));
    const api = await serve(refused, refused, refused);

    const error = await failureOf(clientFor(api, { authoriser: oauthFor(tokens) }).hangUp(CALL_ID));
    const basic = await failureOf(clientFor(api).hangUp(CALL_ID));

    expect(error).toMatchObject({ code: 'http-401', status: 401, category: 'authentication-error' });
    expect(basic.status).toBe(401);
    expect(tokens.requests).toHaveLength(2);
    expect(api.requests).toHaveLength(3);
  });

  it('shares one fresh token among concurrent requests refused with the old one', async () => {
    const tokens = await serve({ ...token('tok-1'), delayMs: 30 } as Step, { ...token('tok-2'), delayMs: 30 } as Step);
    const byToken: Step = (request) =>
      request.headers.authorization === 'Bearer tok-1' ? { status: 401, body: { type: 'authentication-error', description: 'expired' } } : { status: 200 };
    const api = await serve(...Array.from({ length: 20 }, () => byToken));
    const client = clientFor(api, { authoriser: oauthFor(tokens) });

    await Promise.all(Array.from({ length: 10 }, () => client.hangUp(CALL_ID)));

    expect(tokens.requests).toHaveLength(2);
    const used = api.requests.map((request) => request.headers.authorization);
    expect(used.filter((header) => header === 'Bearer tok-1')).toHaveLength(10);
    expect(used.filter((header) => header === 'Bearer tok-2')).toHaveLength(10);
  });

  it('fails the requests with oauth-error when the token endpoint refuses, sending nothing to the API', async () => {
    const tokens = await serve(
      { status: 401, body: { error: 'invalid_client', error_description: `bad secret ${CLIENT_SECRET}` } },
      { status: 400, body: 'not json' },
    );
    const api = await serve();
    const client = clientFor(api, { authoriser: oauthFor(tokens) });

    const refused = await failureOf(client.createCall(newCall));
    const garbled = await failureOf(client.hangUp(CALL_ID));

    expect(refused).toMatchObject({ code: 'oauth-error', status: 401, mayHaveTakenEffect: false });
    expect(refused.message).toBe('Bandwidth OAuth POST /api/v1/oauth2/token answered 401: invalid_client: bad secret [redacted]');
    expect(garbled).toMatchObject({ code: 'oauth-error', status: 400 });
    expect(api.requests).toHaveLength(0);
  });

  it('retries a token request that failed transiently, and reports one that never got an answer', async () => {
    const tokens = await serve({ status: 503 }, token('tok-1'));
    const api = await serve({ status: 200 });

    await clientFor(api, { authoriser: oauthFor(tokens) }).hangUp(CALL_ID);
    const nowhere = { baseUrl: `http://127.0.0.1:${await unusedPort()}` } as ScriptedServer;
    const unreachable = await failureOf(clientFor(api, { authoriser: oauthFor(nowhere, { retryLimit: 0 }) }).hangUp(CALL_ID));

    expect(tokens.requests).toHaveLength(2);
    expect(unreachable).toMatchObject({ code: 'oauth-error', errno: 'ECONNREFUSED', mayHaveTakenEffect: false });
    expect(unreachable.message).toBe('Bandwidth OAuth POST /api/v1/oauth2/token failed (ECONNREFUSED)');
  });

  it('refuses a token answer without an access_token', async () => {
    const tokens = await serve({ status: 200, body: { token_type: 'Bearer' } });
    const api = await serve();

    const error = await failureOf(clientFor(api, { authoriser: oauthFor(tokens) }).hangUp(CALL_ID));

    expect(error).toMatchObject({ code: 'oauth-error', status: 200 });
  });
});

describe('BandwidthV2Client secrets', () => {
  it('keeps the client secret, the token and the Basic credentials out of errors and log lines', async () => {
    // An intermediary that echoes the request back (a debugging proxy) would put them into the body.
    const echo =
      (...texts: string[]): Step =>
      (request) => ({ status: 400, body: { type: 'validation', description: `echo: ${request.headers.authorization} ${texts.join(' ')}` } });
    const tokens = await serve(token('tok-SeCrEt-1'));
    const oauthApi = await serve(echo(CLIENT_SECRET, CLIENT_BASIC, 'tok-SeCrEt-1'), echo(CLIENT_SECRET));
    const basicApi = await serve(
      echo(API_PASSWORD, BASIC),
      { status: 500, body: { type: 'x', description: `https://user:${API_PASSWORD}@h.example/` } },
      echo(API_PASSWORD),
    );
    const logger = recordingLogger();
    const oauth = clientFor(oauthApi, { authoriser: oauthFor(tokens, { logger }), logger });
    const basic = clientFor(basicApi, { logger, authoriser: basicAuthoriser(API_USER, API_PASSWORD), retryLimit: 0 });

    const errors = [
      await failureOf(oauth.createCall(newCall)),
      await failureOf(oauth.playAudio(CALL_ID, { fileUrl: 'https://m.example/a.wav', loop: false, tag: 'pb_1' })),
      await failureOf(basic.hangUp(CALL_ID)),
      await failureOf(basic.hangUp(CALL_ID)),
      await failureOf(basic.playAudio(CALL_ID, { fileUrl: 'https://m.example/a.wav', loop: false, tag: 'pb_1' })),
    ];

    const everything = JSON.stringify([errors.map((error) => [error.message, error.toJSON(), String(error.stack)]), logger.lines]);
    for (const secret of [CLIENT_SECRET, CLIENT_BASIC, 'tok-SeCrEt-1', API_PASSWORD, BASIC]) expect(everything).not.toContain(secret);
    expect(errors[0].message).toContain('echo: Bearer [redacted] [redacted] [redacted] [redacted]');
    expect(errors[2].message).toContain('echo: Basic [redacted] [redacted] [redacted]');
    expect(logger.lines.length).toBeGreaterThan(0);
  });
});
