import { pino } from 'pino';
import { BandwidthError } from '../src/bandwidth/bandwidth-error.js';
import { BandwidthV1Client, type BandwidthClientLogger, type BandwidthClientOptions } from '../src/bandwidth/v1/client.js';
import { ProviderError } from '../src/calls/voice-gateway.js';
import { startScriptedServer, unusedPort, type ScriptedServer } from './support/scripted-server.js';

const USER_ID = 'u-xa2n3oxk6it4efbglisna6a';
const API_TOKEN = 't-token-abc';
const API_SECRET = 'sEcReT-9f8e7d6c5b4a3210';
const BASIC_CREDENTIALS = Buffer.from(`${API_TOKEN}:${API_SECRET}`).toString('base64');
const CALLS_PATH = `/v1/users/${USER_ID}/calls`;
const CALL_ID = 'c-isw3qup6gvr3ywcsentygnq';

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

const newCall = {
  from: '+19195551212',
  to: '+19195550000',
  callTimeoutSeconds: 30,
  callbackUrl: 'https://hooks.example.com/bandwidth/events',
  tag: 'call-123',
};

let servers: ScriptedServer[] = [];

async function serve(...steps: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await startScriptedServer(steps);
  servers.push(server);
  return server;
}

function clientFor(server: { baseUrl: string }, options: Partial<BandwidthClientOptions> = {}): BandwidthV1Client {
  return new BandwidthV1Client({
    baseUrl: server.baseUrl,
    userId: USER_ID,
    apiToken: API_TOKEN,
    apiSecret: API_SECRET,
    // Keeps back-off waits short; tests that need the default caps override it.
    maxRetryDelayMs: 40,
    ...options,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<BandwidthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BandwidthError);
    return error as BandwidthError;
  }
  throw new Error('expected the request to fail');
}

const created = (location: string) => ({ status: 201, headers: { location } });

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

describe('BandwidthV1Client.createCall', () => {
  it('posts the documented JSON with basic auth and reads the id from an absolute Location', async () => {
    const server = await serve(created(`https://api.catapult.inetwork.com${CALLS_PATH}/${CALL_ID}`));

    const result = await clientFor(server).createCall(newCall);

    expect(result).toEqual({ providerCallId: CALL_ID });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(CALLS_PATH);
    expect(request.headers.authorization).toBe(`Basic ${BASIC_CREDENTIALS}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.json()).toEqual({
      from: '+19195551212',
      to: '+19195550000',
      callTimeout: 30,
      callbackUrl: 'https://hooks.example.com/bandwidth/events',
      callbackHttpMethod: 'POST',
      tag: 'call-123',
    });
  });

  it('reads the id from a relative Location', async () => {
    const server = await serve(created(`${CALLS_PATH}/${CALL_ID}`));

    await expect(clientFor(server).createCall(newCall)).resolves.toEqual({ providerCallId: CALL_ID });
  });

  it('omits callTimeout when the caller leaves it to Bandwidth', async () => {
    const server = await serve(created(`${CALLS_PATH}/${CALL_ID}`));

    await clientFor(server).createCall({ ...newCall, callTimeoutSeconds: undefined });

    expect(server.requests[0].json()).not.toHaveProperty('callTimeout');
  });

  it('reports missing-location when a 2xx answer has no usable Location', async () => {
    const server = await serve({ status: 201 }, created(`${CALLS_PATH}`));
    const client = clientFor(server);

    const missing = await failureOf(client.createCall(newCall));
    const collection = await failureOf(client.createCall(newCall));

    expect(missing.code).toBe('missing-location');
    expect(missing.status).toBe(201);
    expect(collection.code).toBe('missing-location');
    expect(server.requests).toHaveLength(2);
  });

  it('never resends createCall after a 500', async () => {
    const server = await serve({ status: 500, body: { category: 'unavailable', code: 'call-creation-failure', message: 'boom' } });

    const error = await failureOf(clientFor(server).createCall(newCall));

    expect(error.status).toBe(500);
    expect(error.code).toBe('call-creation-failure');
    expect(server.requests).toHaveLength(1);
  });

  it('never resends createCall after a connection reset once the request arrived', async () => {
    const server = await serve({ destroy: true });

    const error = await failureOf(clientFor(server).createCall(newCall));

    expect(error.code).toBe('network-error');
    expect(error.errno).toBe('ECONNRESET');
    expect(error.message).toContain('ECONNRESET');
    expect(server.requests).toHaveLength(1);
  });

  it('never resends createCall after a timeout', async () => {
    const server = await serve({ ...created(`${CALLS_PATH}/${CALL_ID}`), delayMs: 1_000 });

    const error = await failureOf(clientFor(server, { timeoutMs: 150 }).createCall(newCall));

    expect(error.code).toBe('timeout');
    expect(server.requests).toHaveLength(1);
  });

  it('waits until X-RateLimit-Reset before resending a rate-limited createCall', async () => {
    let resetAt = 0;
    const server = await serve(() => {
      resetAt = Date.now() + 300;
      return {
        status: 429,
        headers: { 'x-ratelimit-reset': String(resetAt) },
        body: { category: 'too-many-requests', code: 'rate-limit-reached', message: 'slow down' },
      };
    }, created(`${CALLS_PATH}/${CALL_ID}`));

    const result = await clientFor(server, { maxRetryDelayMs: undefined }).createCall(newCall);

    expect(result).toEqual({ providerCallId: CALL_ID });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].receivedAt).toBeGreaterThanOrEqual(resetAt - 5);
    expect(server.requests[1].receivedAt - server.requests[0].receivedAt).toBeGreaterThanOrEqual(290);
  });

  it('falls back to Retry-After on a 429 without X-RateLimit-Reset', async () => {
    const server = await serve({ status: 429, headers: { 'retry-after': '1' } }, created(`${CALLS_PATH}/${CALL_ID}`));

    await clientFor(server, { maxRetryDelayMs: undefined }).createCall(newCall);

    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].receivedAt - server.requests[0].receivedAt).toBeGreaterThanOrEqual(990);
  });

  it('caps the wait for X-RateLimit-Reset at maxRetryDelayMs', async () => {
    const server = await serve(
      { status: 429, headers: { 'x-ratelimit-reset': String(Date.now() + 60_000) } },
      created(`${CALLS_PATH}/${CALL_ID}`),
    );
    const startedAt = Date.now();

    await clientFor(server, { maxRetryDelayMs: 200 }).createCall(newCall);

    expect(server.requests).toHaveLength(2);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('resends createCall when the connection was refused, since nothing reached Bandwidth', async () => {
    const port = await unusedPort();
    let server: ScriptedServer | undefined;
    const logger = recordingLogger();
    const bringServerUp: BandwidthClientLogger = {
      debug: logger.debug,
      warn: (fields, message) => {
        logger.warn(fields, message);
        // Started from the retry log line, i.e. after the first attempt was refused and before the second.
        void startScriptedServer([created(`${CALLS_PATH}/${CALL_ID}`)], { port, anyHost: true }).then((started) => {
          server = started;
          servers.push(started);
        });
      },
    };

    const result = await clientFor({ baseUrl: `http://127.0.0.1:${port}` }, { logger: bringServerUp }).createCall(newCall);

    expect(result).toEqual({ providerCallId: CALL_ID });
    expect(server?.requests).toHaveLength(1);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ reason: 'ECONNREFUSED', attempt: 2 }) }),
    ]);
  });

  it('reports Bandwidth 403 call-rate-limit without retrying', async () => {
    const server = await serve({
      status: 403,
      body: {
        category: 'limit',
        code: 'call-rate-limit',
        message: 'You can create 1 calls per 1 seconds, calculated as the average over 10 seconds. Your rate is: 1.1',
        details: [
          { name: 'requestMethod', value: 'POST' },
          { name: 'remoteAddress', value: '216.82.234.65' },
          { name: 'requestPath', value: `users/${USER_ID}/calls` },
        ],
      },
    });

    const error = await failureOf(clientFor(server).createCall(newCall));

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'BandwidthError', status: 403, code: 'call-rate-limit', category: 'limit' });
    expect(error.details).toEqual([
      { name: 'requestMethod', value: 'POST' },
      { name: 'remoteAddress', value: '216.82.234.65' },
      { name: 'requestPath', value: `users/${USER_ID}/calls` },
    ]);
    expect(error.message).toContain('You can create 1 calls per 1 seconds');
    expect(server.requests).toHaveLength(1);
  });
});

describe('BandwidthV1Client call state updates', () => {
  it('answers and hangs up by posting the documented state', async () => {
    const server = await serve({ status: 200 }, { status: 204 });
    const client = clientFor(server);

    await client.answer(CALL_ID);
    await client.hangUp(CALL_ID);

    expect(server.requests.map((request) => [request.method, request.url, request.json()])).toEqual([
      ['POST', `${CALLS_PATH}/${CALL_ID}`, { state: 'active' }],
      ['POST', `${CALLS_PATH}/${CALL_ID}`, { state: 'completed' }],
    ]);
  });

  it('retries hangUp on 503 until it succeeds', async () => {
    const unavailable = { status: 503, body: { category: 'unavailable', code: 'call-unavailable', message: 'retry later' } };
    const server = await serve(unavailable, unavailable, { status: 200 });

    await clientFor(server).hangUp(CALL_ID);

    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((request) => request.body === '{"state":"completed"}')).toBe(true);
  });

  it('retries hangUp on 503 even when a Retry-After exceeds the request timeout', async () => {
    // got would otherwise give up on a Retry-After longer than its timeout; our rules say retry.
    const server = await serve({ status: 503, headers: { 'retry-after': '3600' } }, { status: 200 });
    const startedAt = Date.now();

    await clientFor(server, { timeoutMs: 1_000 }).hangUp(CALL_ID);

    expect(server.requests).toHaveLength(2);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('retries hangUp after a connection reset', async () => {
    const server = await serve({ destroy: true }, { status: 200 });

    await clientFor(server).hangUp(CALL_ID);

    expect(server.requests).toHaveLength(2);
  });

  it('gives up after retryLimit retries and reports the last answer', async () => {
    const unavailable = { status: 503, body: { category: 'unavailable', code: 'call-unavailable', message: 'retry later' } };
    const server = await serve(unavailable, unavailable, unavailable);

    const error = await failureOf(clientFor(server, { retryLimit: 2 }).answer(CALL_ID));

    expect(error).toMatchObject({ status: 503, code: 'call-unavailable', category: 'unavailable' });
    expect(server.requests).toHaveLength(3);
  });

  it('treats call-invalid-state after an unacknowledged attempt as success when the call is in the wanted state', async () => {
    const server = await serve(
      { destroy: true },
      { status: 403, body: { category: 'forbidden', code: 'call-invalid-state', message: "You can't update the call's state" } },
      { status: 200, body: { id: CALL_ID, state: 'completed' } },
    );

    await clientFor(server).hangUp(CALL_ID);

    expect(server.requests.map((request) => request.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('reports call-invalid-state on a first attempt', async () => {
    const server = await serve({ status: 403, body: { category: 'forbidden', code: 'call-invalid-state', message: 'no' } });

    const error = await failureOf(clientFor(server).answer(CALL_ID));

    expect(error.code).toBe('call-invalid-state');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses an empty call id instead of posting to the calls collection', async () => {
    const server = await serve();

    await expect(clientFor(server).hangUp('')).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('BandwidthV1Client audio', () => {
  it('plays a file with loopEnabled and tag, retrying on 503', async () => {
    const server = await serve({ status: 503, body: { code: 'audio-update-failure', category: 'unavailable' } }, { status: 200 });

    await clientFor(server).playAudio(CALL_ID, { fileUrl: 'https://media.example.com/hello.mp3', loop: false, tag: 'pb-1' });

    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].url).toBe(`${CALLS_PATH}/${CALL_ID}/audio`);
    expect(server.requests[1].json()).toEqual({ fileUrl: 'https://media.example.com/hello.mp3', loopEnabled: false, tag: 'pb-1' });
  });

  it('never resends playAudio after a connection reset, which could play the file twice', async () => {
    const server = await serve({ destroy: true }, { status: 200 });

    const error = await failureOf(
      clientFor(server).playAudio(CALL_ID, { fileUrl: 'https://media.example.com/hello.mp3', loop: true, tag: 'pb-1' }),
    );

    expect(error.code).toBe('network-error');
    expect(server.requests).toHaveLength(1);
  });

  it('never resends playAudio after a 500', async () => {
    const server = await serve({ status: 500 }, { status: 200 });

    const error = await failureOf(clientFor(server).playAudio(CALL_ID, { fileUrl: 'https://m.example.com/a.wav', loop: false, tag: 't' }));

    expect(error.code).toBe('http-500');
    expect(server.requests).toHaveLength(1);
  });

  it('stops audio by posting an empty fileUrl', async () => {
    const server = await serve({ status: 200 });

    await clientFor(server).stopAudio(CALL_ID);

    expect(server.requests[0].url).toBe(`${CALLS_PATH}/${CALL_ID}/audio`);
    expect(server.requests[0].json()).toEqual({ fileUrl: '' });
  });

  it('treats "nothing playing" after a retried stopAudio as stopped', async () => {
    const server = await serve({ destroy: true }, { status: 403, body: { code: 'call-audio-invalid-state', category: 'forbidden' } });

    await clientFor(server).stopAudio(CALL_ID);

    expect(server.requests).toHaveLength(2);
  });
});

describe('BandwidthV1Client reads', () => {
  it('returns a typed call, reading text flags and numbers as such', async () => {
    const server = await serve({
      status: 200,
      body: {
        id: CALL_ID,
        direction: 'out',
        from: '+19195550000',
        to: '+19195551111',
        state: 'completed',
        startTime: '2014-12-19T19:13:09Z',
        activeTime: '2014-12-19T19:13:20Z',
        endTime: '2014-12-19T19:13:22Z',
        chargeableDuration: 60,
        callTimeout: '30',
        recordingEnabled: 'false',
        transcriptionEnabled: true,
        fallbackUrl: null,
        sipHeaders: { 'X-header': 'value' },
      },
    });

    const call = await clientFor(server).getCall(CALL_ID);

    expect(server.requests[0]).toMatchObject({ method: 'GET', url: `${CALLS_PATH}/${CALL_ID}` });
    expect(call).toMatchObject({
      id: CALL_ID,
      direction: 'out',
      state: 'completed',
      chargeableDuration: 60,
      callTimeout: 30,
      recordingEnabled: false,
      transcriptionEnabled: true,
      sipHeaders: { 'X-header': 'value' },
    });
    expect(call.fallbackUrl).toBeUndefined();
  });

  it('retries a read after a 502', async () => {
    const server = await serve({ status: 502, body: 'Bad Gateway' }, { status: 200, body: { id: CALL_ID, state: 'active' } });

    await expect(clientFor(server).getCall(CALL_ID)).resolves.toMatchObject({ state: 'active' });
    expect(server.requests).toHaveLength(2);
  });

  it('lists calls with the documented query, encoding + in numbers', async () => {
    const server = await serve({ status: 200, body: [{ id: CALL_ID, state: 'active' }] });

    const calls = await clientFor(server).listCalls({ from: '+19195551212', page: 1, size: 100, sortOrder: 'asc' });

    expect(calls).toEqual([{ id: CALL_ID, state: 'active' }]);
    const url = new URL(server.requests[0].url, 'http://x');
    expect(url.pathname).toBe(CALLS_PATH);
    expect(server.requests[0].url).toContain('from=%2B19195551212');
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: '+19195551212', page: '1', size: '100', sortOrder: 'asc' });
  });

  it('returns the call event log', async () => {
    const server = await serve({
      status: 200,
      body: [
        { id: 'ce-1', time: '2014-12-19T19:13:09Z', name: 'create' },
        { id: 'ce-2', time: 1419032854964, name: 'playback', data: 'start' },
        { id: 'ce-3', time: 1419032854999, name: 'CHANNEL_EXECUTE', data: { applicationName: 'playback' } },
      ],
    });

    const events = await clientFor(server).getCallEvents(CALL_ID);

    expect(server.requests[0].url).toBe(`${CALLS_PATH}/${CALL_ID}/events`);
    expect(events).toEqual([
      { id: 'ce-1', time: '2014-12-19T19:13:09Z', name: 'create' },
      { id: 'ce-2', time: 1419032854964, name: 'playback', data: 'start' },
      { id: 'ce-3', time: 1419032854999, name: 'CHANNEL_EXECUTE', data: '{"applicationName":"playback"}' },
    ]);
  });

  it('reports invalid-response when a read returns something that is not a call', async () => {
    const server = await serve({ status: 200, body: { state: 'active' } }, { status: 200, body: 'not json' });
    const client = clientFor(server);

    const noId = await failureOf(client.getCall(CALL_ID));
    const notJson = await failureOf(client.getCall(CALL_ID));

    expect(noId.code).toBe('invalid-response');
    expect(noId.message).toContain('id');
    expect(notJson.code).toBe('invalid-response');
  });

  it('escapes ids that would otherwise change the path', async () => {
    const server = await serve({ status: 200, body: { id: 'x', state: 'active' } });

    await clientFor(server).getCall('../../accounts');

    expect(server.requests[0].url).toBe(`${CALLS_PATH}/..%2F..%2Faccounts`);
  });
});

describe('BandwidthV1Client errors', () => {
  it('uses http-<status> when the error body is not JSON', async () => {
    const server = await serve({ status: 404, body: '<html>Not Found</html>' });

    const error = await failureOf(clientFor(server).getCall(CALL_ID));

    expect(error).toMatchObject({ status: 404, code: 'http-404' });
    expect(error.category).toBeUndefined();
    expect(error.message).toContain('404');
  });

  it('keeps X-RateLimit-Reset on a 429 that outlasted the retries', async () => {
    const resetAt = Date.now() + 5_000;
    const server = await serve({
      status: 429,
      headers: { 'x-ratelimit-reset': String(resetAt) },
      body: { category: 'too-many-requests', code: 'rate-limit-reached', message: 'slow down' },
    });

    const error = await failureOf(clientFor(server, { retryLimit: 0 }).getCall(CALL_ID));

    expect(error).toMatchObject({ status: 429, code: 'rate-limit-reached', category: 'too-many-requests' });
    expect(error.rateLimitResetAt?.getTime()).toBe(resetAt);
  });

  it('reports a slow response as a timeout, per attempt', async () => {
    const slow = { status: 200, body: { id: CALL_ID, state: 'active' }, delayMs: 1_000 };
    const server = await serve(slow, slow);

    const error = await failureOf(clientFor(server, { timeoutMs: 150, retryLimit: 1 }).getCall(CALL_ID));

    expect(error.code).toBe('timeout');
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('150 ms');
    expect(server.requests).toHaveLength(2);
  });

  it('names the errno when the connection is refused', async () => {
    const port = await unusedPort();

    const error = await failureOf(clientFor({ baseUrl: `http://127.0.0.1:${port}` }, { retryLimit: 0 }).getCall(CALL_ID));

    expect(error.code).toBe('network-error');
    expect(error.errno).toBe('ECONNREFUSED');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never exposes the API secret in error messages, JSON, stacks or logs', async () => {
    const echo = (status: number, asJson: boolean) => (request: { headers: Record<string, unknown> }) => {
      const text = `echo ${String(request.headers.authorization)} ${API_TOKEN}:${API_SECRET}`;
      return { status, body: asJson ? { code: 'user-access-denied', category: 'authentication', message: text, details: [{ name: 'auth', value: text }] } : text };
    };
    const server = await serve(echo(401, true), echo(500, false), { destroy: true }, { status: 200, delayMs: 1_000 });
    const logger = recordingLogger();
    const client = clientFor(server, { logger, timeoutMs: 150, retryLimit: 0 });
    const refused = clientFor({ baseUrl: `http://127.0.0.1:${await unusedPort()}` }, { logger, retryLimit: 0 });

    const errors = [
      await failureOf(client.getCall(CALL_ID)),
      await failureOf(client.getCall(CALL_ID)),
      await failureOf(client.createCall(newCall)),
      await failureOf(client.getCall(CALL_ID)),
      await failureOf(refused.hangUp(CALL_ID)),
    ];

    expect(errors.map((error) => error.code)).toEqual(['user-access-denied', 'http-500', 'network-error', 'timeout', 'network-error']);
    for (const error of errors) {
      for (const text of [error.message, JSON.stringify(error), String(error.stack), JSON.stringify(Object.entries(error))]) {
        expect(text).not.toContain(API_SECRET);
        expect(text).not.toContain(BASIC_CREDENTIALS);
      }
      expect(error).not.toHaveProperty('cause');
    }
    expect(errors[0].message).toContain('[redacted]');
    const logs = JSON.stringify(logger.lines);
    expect(logs).not.toContain(API_SECRET);
    expect(logs).not.toContain(BASIC_CREDENTIALS);
  });

  it('redacts credentials of URLs that Bandwidth quotes back, such as the callback URL', async () => {
    const server = await serve({
      status: 400,
      body: { category: 'bad-request', code: 'callback-invalid-url', message: 'The URL https://hook:pa55word@hooks.example.com/x is not a valid callbackUrl' },
    });

    const error = await failureOf(clientFor(server).createCall({ ...newCall, callbackUrl: 'https://hook:pa55word@hooks.example.com/x' }));

    expect(error.message).toContain('https://[redacted]@hooks.example.com/x');
    expect(error.message).not.toContain('pa55word');
  });
});

describe('BandwidthV1Client logging', () => {
  it('logs each attempt at debug and each retry at warn, naming method, path, status and duration', async () => {
    const server = await serve({ status: 503 }, { status: 200 });
    const logger = recordingLogger();

    await clientFor(server, { logger }).hangUp(CALL_ID);

    const debug = logger.lines.filter((line) => line.level === 'debug').map((line) => line.fields);
    const warn = logger.lines.filter((line) => line.level === 'warn').map((line) => line.fields);
    expect(debug).toEqual([
      expect.objectContaining({ method: 'POST', path: `${CALLS_PATH}/${CALL_ID}`, status: 503, attempt: 1, durationMs: expect.any(Number) }),
      expect.objectContaining({ method: 'POST', path: `${CALLS_PATH}/${CALL_ID}`, status: 200, attempt: 2, durationMs: expect.any(Number) }),
    ]);
    expect(warn).toEqual([expect.objectContaining({ method: 'POST', path: `${CALLS_PATH}/${CALL_ID}`, reason: 'status 503', attempt: 2 })]);
  });

  it('accepts a pino logger', async () => {
    const server = await serve({ status: 200 });

    await clientFor(server, { logger: pino({ level: 'silent' }) }).hangUp(CALL_ID);

    expect(server.requests).toHaveLength(1);
  });

  it('refuses a baseUrl that carries credentials or already ends in /v1', () => {
    const options = { userId: USER_ID, apiToken: API_TOKEN, apiSecret: API_SECRET };

    expect(() => new BandwidthV1Client({ ...options, baseUrl: 'https://a:b@api.catapult.inetwork.com' })).toThrow(/credentials/);
    expect(() => new BandwidthV1Client({ ...options, baseUrl: 'https://api.catapult.inetwork.com/v1' })).toThrow(/\/v1/);
  });
});
