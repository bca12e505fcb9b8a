import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator } from '../simulator/simulator.js';
import { waitFor } from './support/wait-for.js';
import {
  CREDENTIALS,
  CallbackReceiver,
  FROM,
  USER_ID,
  TOKEN,
  api,
  control,
  createCall,
  send,
  sleep,
  useHarness,
  type Harness,
  type Json,
  type Reply,
} from './support/simulator-harness.js';

const CALL_ID = /^c-[a-z2-7]{23}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function answeredCall(h: Harness, fields: Json = {}): Promise<string> {
  const callId = await createCall(h, fields);
  await h.receiver.waitForEvent(callId, 'answer');
  return callId;
}

async function playFile(h: Harness, callId: string, fields: Json): Promise<Reply> {
  return api(h, 'POST', `/calls/${callId}/audio`, { body: fields });
}

function expectApiError(reply: Reply, status: number, category: string, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.json).toMatchObject({ category, code, message: expect.any(String) });
  expect(reply.json.details).toEqual(
    expect.arrayContaining([{ name: 'requestMethod', value: expect.any(String) }, { name: 'requestPath', value: expect.any(String) }]),
  );
}

describe('API authentication and error bodies', () => {
  const h = useHarness();

  it('refuses a request without credentials with a 401 authentication error', async () => {
    expectApiError(await api(h, 'GET', '/calls', { auth: null }), 401, 'authentication', 'unauthorized');
  });

  it('refuses a wrong secret with a 401 authentication error', async () => {
    expectApiError(await api(h, 'GET', '/calls', { auth: `${TOKEN}:wrong` }), 401, 'authentication', 'unauthorized');
  });

  it("refuses another user's resources with 403 user-access-denied", async () => {
    const reply = await send(`${h.sim.url}/v1/users/u-someone-else/calls`, 'GET');
    expectApiError(reply, 403, 'authorization', 'user-access-denied');
  });

  it('answers an unknown route with 404 resource-not-found', async () => {
    expectApiError(await api(h, 'GET', '/bridges'), 404, 'not-found', 'resource-not-found');
  });

  it('answers malformed JSON with 400 validation-error and the request path in details', async () => {
    const reply = await api(h, 'POST', '/calls', { rawBody: '{"from":' });
    expectApiError(reply, 400, 'bad-request', 'validation-error');
    expect(reply.json.details).toContainEqual({ name: 'requestPath', value: `users/${USER_ID}/calls` });
  });
});

describe('creating a call', () => {
  const h = useHarness();
  const RINGING = '+19195550150';
  beforeAll(async () => {
    await control(h, 'PUT', `/scripts/${encodeURIComponent(RINGING)}`, { outcome: 'answer', afterMs: 60_000 });
  });

  it('responds 201 with an absolute Location and an empty body', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: FROM, to: RINGING } });
    expect(reply.status).toBe(201);
    expect(reply.text).toBe('');
    const location = reply.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${h.sim.url}/v1/users/${USER_ID}/calls/c-[a-z2-7]{23}$`));
  });

  it('creates a started outbound call with the documented defaults', async () => {
    const callId = await createCall(h, { to: RINGING, tag: 'order-7' });
    const { json: call } = await api(h, 'GET', `/calls/${callId}`);
    expect(call).toMatchObject({
      id: callId,
      direction: 'out',
      from: FROM,
      to: RINGING,
      state: 'started',
      callTimeout: 60,
      callbackHttpMethod: 'post',
      callbackTimeout: 10000,
      chargeableDuration: 0,
      tag: 'order-7',
      events: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}/events`,
    });
    expect(call.startTime).toMatch(ISO_MS);
    expect(call).not.toHaveProperty('activeTime');
  });

  it('treats JSON null as "not set" for optional fields', async () => {
    const callId = await createCall(h, { to: RINGING, callTimeout: null, callbackTimeout: null, callbackHttpMethod: null, fallbackUrl: null, tag: null });
    const { json: call } = await api(h, 'GET', `/calls/${callId}`);
    expect(call).toMatchObject({ callTimeout: 60, callbackTimeout: 10000, callbackHttpMethod: 'post' });
    expect(call).not.toHaveProperty('tag');
  });

  it('stores callbackHttpMethod in lower case', async () => {
    const callId = await createCall(h, { to: RINGING, callbackHttpMethod: 'GET' });
    expect((await api(h, 'GET', `/calls/${callId}`)).json.callbackHttpMethod).toBe('get');
  });

  it('accepts a sip: URI as the destination', async () => {
    expect((await api(h, 'POST', '/calls', { body: { from: FROM, to: 'sip:someone@example.com' } })).status).toBe(201);
  });

  it('shows the callback URL without its credentials', async () => {
    const callId = await createCall(h, { to: RINGING, callbackUrl: 'https://hook:p%40ss@example.com/events' });
    expect((await api(h, 'GET', `/calls/${callId}`)).json.callbackUrl).toBe('https://example.com/events');
  });

  it('rejects a from that is not E.164 with a validation-error naming the field', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: '9195550100', to: RINGING } });
    expectApiError(reply, 400, 'bad-request', 'validation-error');
    expect(reply.json.message).toContain('from');
  });

  it('rejects a missing to and a callTimeout above 300 in one message', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: FROM, callTimeout: 301 } });
    expectApiError(reply, 400, 'bad-request', 'validation-error');
    expect(reply.json.message).toContain('to is required');
    expect(reply.json.message).toContain('callTimeout');
  });

  it('rejects a callbackTimeout above 10000 ms', async () => {
    expectApiError(await api(h, 'POST', '/calls', { body: { from: FROM, to: RINGING, callbackTimeout: 10_001 } }), 400, 'bad-request', 'validation-error');
  });

  it('rejects a callbackUrl that is not absolute with callback-invalid-url', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: FROM, to: RINGING, callbackUrl: '/events' } });
    expectApiError(reply, 400, 'bad-request', 'callback-invalid-url');
  });
});

describe('an answered outbound call', () => {
  const h = useHarness();

  it('delivers an answer callback with the documented fields, headers and call tag', async () => {
    const callId = await createCall(h, { tag: 'order-1' });
    const { body, headers, method, path } = await h.receiver.waitForEvent(callId, 'answer');
    expect(method).toBe('POST');
    expect(path).toBe('/events');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['user-agent']).toBe('BandwidthAPI/v1 (simulator)');
    expect(body).toEqual({
      eventType: 'answer',
      from: FROM,
      to: '+19195550199',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      callState: 'active',
      time: expect.stringMatching(ISO_MS),
      tag: 'order-1',
    });
    const { json: call } = await api(h, 'GET', `/calls/${callId}`);
    expect(call.state).toBe('active');
    expect(call.activeTime).toMatch(ISO_MS);
  });

  it('ends with NORMAL_CLEARING when the app hangs up', async () => {
    const callId = await answeredCall(h, { tag: 'order-2' });
    const reply = await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    const { body } = await h.receiver.waitForEvent(callId, 'hangup');
    expect(body).toEqual({
      eventType: 'hangup',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      from: FROM,
      to: '+19195550199',
      cause: 'NORMAL_CLEARING',
      callState: 'completed',
      time: expect.stringMatching(ISO_MS),
      tag: 'order-2',
    });
    const { json: call } = await api(h, 'GET', `/calls/${callId}`);
    expect(call).toMatchObject({ state: 'completed', chargeableDuration: 60 });
    expect(call.endTime).toMatch(ISO_MS);
  });

  it('refuses any state change after completion with 403 call-invalid-state', async () => {
    const callId = await answeredCall(h);
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    expectApiError(await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } }), 403, 'forbidden', 'call-invalid-state');
  });

  it('refuses to answer an outbound call through the API', async () => {
    const callId = await answeredCall(h);
    expectApiError(await api(h, 'POST', `/calls/${callId}`, { body: { state: 'active' } }), 403, 'forbidden', 'call-invalid-state');
  });

  it('rejects an unknown state with 400 and an unknown call with 404 call-not-found', async () => {
    const callId = await answeredCall(h);
    expectApiError(await api(h, 'POST', `/calls/${callId}`, { body: { state: 'ringing' } }), 400, 'bad-request', 'validation-error');
    expectApiError(await api(h, 'POST', '/calls/c-aaaaaaaaaaaaaaaaaaaaaaa', { body: { state: 'completed' } }), 404, 'not-found', 'call-not-found');
    expectApiError(await api(h, 'GET', '/calls/c-aaaaaaaaaaaaaaaaaaaaaaa'), 404, 'not-found', 'call-not-found');
  });

  it('puts a tag changed on the live call on its later events', async () => {
    const callId = await answeredCall(h, { tag: 'before' });
    await api(h, 'POST', `/calls/${callId}`, { body: { tag: 'after', state: 'completed' } });
    expect((await h.receiver.waitForEvent(callId, 'hangup')).body.tag).toBe('after');
  });

  it('keeps the create, answer and hangup in the call event log', async () => {
    const callId = await answeredCall(h);
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    const { json: events } = await api(h, 'GET', `/calls/${callId}/events`);
    expect(events.map((event: Json) => [event.name, event.data])).toEqual([
      ['create', undefined],
      ['answer', undefined],
      ['hangup', 'NORMAL_CLEARING'],
    ]);
    expect(events[0].id).toMatch(/^ce-[a-z2-7]{23}$/);
    expect(events[0].time).toMatch(ISO_MS);
  });
});

describe('cancelling a ringing outbound call', () => {
  const h = useHarness({ answerDelayMs: 60_000 });

  it('ends it with ORIGINATOR_CANCEL and never answers it', async () => {
    const callId = await createCall(h);
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    expect((await h.receiver.waitForEvent(callId, 'hangup')).body.cause).toBe('ORIGINATOR_CANCEL');
    expect(h.receiver.sequence(callId)).toEqual(['hangup']);
  });
});

describe('far-end conventions for reserved numbers', () => {
  const h = useHarness();

  it.each([
    ['+15005550001', 'USER_BUSY'],
    ['+15005550002', 'CALL_REJECTED'],
    ['+15005550005', 'UNALLOCATED_NUMBER'],
  ])('ends a call to %s with hangup cause %s and no answer', async (to, cause) => {
    const callId = await createCall(h, { to, tag: 'failing' });
    const { body } = await h.receiver.waitForEvent(callId, 'hangup');
    expect(body).toMatchObject({ cause, tag: 'failing', callState: 'completed' });
    expect(h.receiver.sequence(callId)).toEqual(['hangup']);
    expect((await api(h, 'GET', `/calls/${callId}`)).json.state).toBe('completed');
  });

  it('lets +15005550003 ring until callTimeout, then sends timeout and hangup NO_ANSWER', async () => {
    const callId = await createCall(h, { to: '+15005550003', callTimeout: 1, tag: 'nobody' });
    const { body } = await h.receiver.waitForEvent(callId, 'hangup');
    expect(body.cause).toBe('NO_ANSWER');
    expect(h.receiver.sequence(callId)).toEqual(['timeout', 'hangup']);
    expect(h.receiver.bodies(callId)[0]).toEqual({
      eventType: 'timeout',
      from: FROM,
      to: '+15005550003',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      time: expect.stringMatching(ISO_MS),
      tag: 'nobody',
    });
  });

  it('lets +15005550004 answer and then hang up with NORMAL_CLEARING', async () => {
    const callId = await createCall(h, { to: '+15005550004' });
    expect((await h.receiver.waitForEvent(callId, 'hangup')).body.cause).toBe('NORMAL_CLEARING');
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'hangup']);
  });

  it('delivers the answer of +15005550006 before the create response', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: FROM, to: '+15005550006', callbackUrl: `${h.receiver.url}/events` } });
    const callId = reply.headers.get('location')!.split('/').pop()!;
    expect(h.receiver.sequence(callId)).toEqual(['answer']);
  });

  it('refuses a call to +15005550009 with 403 invalid-call-to-number', async () => {
    const reply = await api(h, 'POST', '/calls', { body: { from: FROM, to: '+15005550009' } });
    expectApiError(reply, 403, 'forbidden', 'invalid-call-to-number');
  });
});

describe('far-end scripts', () => {
  const h = useHarness();
  const TO = '+19195550160';
  const scriptPath = `/scripts/${encodeURIComponent(TO)}`;
  beforeEach(async () => {
    await control(h, 'POST', '/reset');
  });

  it('makes a scripted no-answer time out after afterMs', async () => {
    expect((await control(h, 'PUT', scriptPath, { outcome: 'no-answer', afterMs: 50 })).status).toBe(200);
    const callId = await createCall(h, { to: TO });
    await h.receiver.waitForEvent(callId, 'hangup');
    expect(h.receiver.sequence(callId)).toEqual(['timeout', 'hangup']);
  });

  it('overrides the convention of a reserved number until the script is deleted', async () => {
    await control(h, 'PUT', `/scripts/${encodeURIComponent('+15005550001')}`, { outcome: 'answer', afterMs: 10 });
    const scripted = await createCall(h, { to: '+15005550001' });
    await h.receiver.waitForEvent(scripted, 'answer');
    expect((await control(h, 'DELETE', `/scripts/${encodeURIComponent('+15005550001')}`)).status).toBe(204);
    const conventional = await createCall(h, { to: '+15005550001' });
    expect((await h.receiver.waitForEvent(conventional, 'hangup')).body.cause).toBe('USER_BUSY');
  });

  it('hangs up hangupAfterMs after a scripted answer', async () => {
    await control(h, 'PUT', scriptPath, { outcome: 'answer', afterMs: 10, hangupAfterMs: 40 });
    const callId = await createCall(h, { to: TO });
    await h.receiver.waitForEvent(callId, 'hangup');
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'hangup']);
  });

  it('refuses calls scripted with refuse', async () => {
    await control(h, 'PUT', scriptPath, { outcome: 'refuse' });
    expectApiError(await api(h, 'POST', '/calls', { body: { from: FROM, to: TO } }), 403, 'forbidden', 'invalid-call-to-number');
  });

  it('rejects an unknown outcome or field with a 400 naming the problem', async () => {
    const unknownOutcome = await control(h, 'PUT', scriptPath, { outcome: 'explode' });
    expect(unknownOutcome.status).toBe(400);
    expect(unknownOutcome.json.error).toMatchObject({ code: 'invalid-request', message: expect.stringContaining('outcome') });
    const typo = await control(h, 'PUT', scriptPath, { outcome: 'answer', aftrMs: 5 });
    expect(typo.json.error.message).toContain('aftrMs');
  });
});

describe('playing audio files', () => {
  const h = useHarness();
  const file = (name: string, durationMs = 60) => `https://media.example.com/${name}.mp3?durationMs=${durationMs}`;

  it('refuses audio on a call that is not answered with 403 call-audio-invalid-state', async () => {
    const callId = await createCall(h, { to: '+15005550003' });
    expectApiError(await playFile(h, callId, { fileUrl: file('early') }), 403, 'forbidden', 'call-audio-invalid-state');
  });

  it('responds 200 and reports playback started then done with the audio tag', async () => {
    const callId = await answeredCall(h, { tag: 'call-tag' });
    const reply = await playFile(h, callId, { fileUrl: file('greeting'), tag: 'greeting' });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    const done = await h.receiver.waitForEvent(callId, 'playback', 'done');
    const started = await h.receiver.waitForEvent(callId, 'playback', 'started');
    expect(started.body).toEqual({
      eventType: 'playback',
      status: 'started',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      tag: 'greeting',
      time: expect.stringMatching(ISO_MS),
    });
    expect(done.body).toMatchObject({ status: 'done', tag: 'greeting' });
    const { json: events } = await api(h, 'GET', `/calls/${callId}/events`);
    expect(events.filter((event: Json) => event.name === 'playback').map((event: Json) => event.data)).toEqual(['start', 'done']);
  });

  it('plays a file for the durationMs given in its URL', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('long', 300) });
    const started = await h.receiver.waitForEvent(callId, 'playback', 'started');
    const done = await h.receiver.waitForEvent(callId, 'playback', 'done');
    expect(done.receivedAt - started.receivedAt).toBeGreaterThanOrEqual(250);
  });

  it('stops the current file on fileUrl "" and refuses to stop when nothing plays', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('long', 60_000), tag: 'long' });
    await h.receiver.waitForEvent(callId, 'playback', 'started');
    expect((await playFile(h, callId, { fileUrl: '' })).status).toBe(200);
    expect((await h.receiver.waitForEvent(callId, 'playback', 'done')).body.tag).toBe('long');
    expectApiError(await playFile(h, callId, { fileUrl: '' }), 403, 'forbidden', 'call-audio-invalid-state');
  });

  it('loops a file until it is stopped', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('hold', 20), loopEnabled: true, tag: 'hold' });
    // Wait for the start itself (a busy machine may deliver it late), then for several loops of
    // the 20 ms file: a looping file reports no `done` until it is stopped.
    await h.receiver.waitForEvent(callId, 'playback', 'started');
    await sleep(150);
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'playback:started']);
    await playFile(h, callId, { fileUrl: '' });
    await h.receiver.waitForEvent(callId, 'playback', 'done');
  });

  it('replaces a playing file by default: done for the old one, then started for the new one', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('first', 60_000), tag: 'first' });
    await playFile(h, callId, { fileUrl: file('second', 30), tag: 'second' });
    await h.receiver.waitFor((c) => c.body.callId === callId && c.body.status === 'done' && c.body.tag === 'second');
    expect(h.receiver.bodies(callId).slice(1).map((body) => `${body.tag}:${body.status}`)).toEqual([
      'first:started',
      'first:done',
      'second:started',
      'second:done',
    ]);
  });

  it('queues a new file behind the playing one when audioOverlap is queue', async () => {
    await control(h, 'PATCH', '/settings', { audioOverlap: 'queue' });
    try {
      const callId = await answeredCall(h);
      await playFile(h, callId, { fileUrl: file('first', 50), tag: 'first' });
      await playFile(h, callId, { fileUrl: file('second', 30), tag: 'second' });
      await h.receiver.waitFor((c) => c.body.callId === callId && c.body.status === 'done' && c.body.tag === 'second');
      expect(h.receiver.bodies(callId).slice(1).map((body) => `${body.tag}:${body.status}`)).toEqual([
        'first:started',
        'first:done',
        'second:started',
        'second:done',
      ]);
    } finally {
      await control(h, 'PATCH', '/settings', { audioOverlap: 'replace' });
    }
  });

  it('reports the playing file done before the hangup when the call ends mid-file', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('long', 60_000), tag: 'long' });
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    await h.receiver.waitForEvent(callId, 'hangup');
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'playback:started', 'playback:done', 'hangup']);
  });

  it('refuses a relative fileUrl with 403 media-invalid-url', async () => {
    const callId = await answeredCall(h);
    expectApiError(await playFile(h, callId, { fileUrl: 'greeting.mp3' }), 403, 'forbidden', 'media-invalid-url');
  });

  it('refuses a request with neither fileUrl nor sentence with 400 validation-error', async () => {
    const callId = await answeredCall(h);
    expectApiError(await playFile(h, callId, { tag: 'nothing' }), 400, 'bad-request', 'validation-error');
  });

  it('lets the control API count the audio requests made on a call', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: file('one') });
    await playFile(h, callId, { fileUrl: 'relative.mp3' });
    const { json: requests } = await control(h, 'GET', `/requests?callId=${callId}&path=/audio`);
    expect(requests.map((request: Json) => request.status)).toEqual([200, 403]);
    expect(requests[0]).toMatchObject({ method: 'POST', body: { fileUrl: file('one') }, at: expect.stringMatching(ISO_MS) });
    const { json: call } = await control(h, 'GET', `/calls/${callId}`);
    expect(call.audioRequests).toHaveLength(2);
  });
});

describe('speaking sentences', () => {
  const h = useHarness();

  it('reports speak started and done with status and state', async () => {
    const callId = await answeredCall(h);
    await playFile(h, callId, { sentence: 'Hello there', tag: 'hello', voice: 'susan', gender: 'female', locale: 'en_US' });
    const done = await h.receiver.waitForEvent(callId, 'speak', 'done');
    const started = await h.receiver.waitForEvent(callId, 'speak', 'started');
    expect(started.body).toMatchObject({ status: 'started', state: 'PLAYBACK_START', tag: 'hello' });
    expect(done.body).toMatchObject({ status: 'done', state: 'PLAYBACK_STOP', tag: 'hello' });
  });

  it('stops the current sentence on sentence ""', async () => {
    const callId = await answeredCall(h);
    await control(h, 'PATCH', '/settings', { playbackDurationMs: 60_000 });
    try {
      await playFile(h, callId, { sentence: 'A very long sentence' });
      expect((await playFile(h, callId, { sentence: '' })).status).toBe(200);
      await h.receiver.waitForEvent(callId, 'speak', 'done');
    } finally {
      await control(h, 'PATCH', '/settings', { playbackDurationMs: 100 });
    }
  });
});

describe('incoming calls', () => {
  const h = useHarness();

  async function injectCall(): Promise<string> {
    const reply = await control(h, 'POST', '/incoming', { from: '+19195550111', to: '+19195550122', url: `${h.receiver.url}/incoming` });
    expect(reply.status).toBe(201);
    expect(reply.json.callId).toMatch(CALL_ID);
    return reply.json.callId;
  }

  it('announces an injected call with an incomingcall event to the given URL', async () => {
    const callId = await injectCall();
    const callback = h.receiver.received.find((c) => c.body.callId === callId)!;
    expect(callback.path).toBe('/incoming');
    expect(callback.body).toEqual({
      eventType: 'incomingcall',
      from: '+19195550111',
      to: '+19195550122',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      callState: 'active',
      applicationId: expect.stringMatching(/^a-[a-z2-7]{23}$/),
      time: expect.stringMatching(ISO_MS),
    });
    expect((await api(h, 'GET', `/calls/${callId}`)).json).toMatchObject({ direction: 'in', state: 'started' });
  });

  it('answers when the app sets state active, with an answer event without tag', async () => {
    const callId = await injectCall();
    expect((await api(h, 'POST', `/calls/${callId}`, { body: { state: 'active' } })).status).toBe(200);
    const { body, path } = await h.receiver.waitForEvent(callId, 'answer');
    expect(path).toBe('/incoming');
    expect(body).not.toHaveProperty('tag');
    expect((await api(h, 'GET', `/calls/${callId}`)).json.state).toBe('active');
  });

  it('rejects when the app sets state rejected, with hangup CALL_REJECTED', async () => {
    const callId = await injectCall();
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'rejected' } });
    expect((await h.receiver.waitForEvent(callId, 'hangup')).body).toMatchObject({ cause: 'CALL_REJECTED', callState: 'completed' });
    expect((await api(h, 'GET', `/calls/${callId}`)).json.state).toBe('rejected');
    expectApiError(await api(h, 'POST', `/calls/${callId}`, { body: { state: 'active' } }), 403, 'forbidden', 'call-invalid-state');
  });

  it('uses the configured incomingCallUrl when no url is given, and refuses without either', async () => {
    expect((await control(h, 'POST', '/incoming', { from: '+19195550111', to: '+19195550122' })).json.error.code).toBe('no-incoming-call-url');
    await control(h, 'PATCH', '/settings', { incomingCallUrl: `${h.receiver.url}/configured` });
    const { json } = await control(h, 'POST', '/incoming', { from: '+19195550111', to: '+19195550122' });
    expect(h.receiver.received.find((c) => c.body.callId === json.callId)!.path).toBe('/configured');
  });
});

describe('callback delivery', () => {
  const h = useHarness();
  beforeEach(() => h.receiver.respondWith(() => 200));

  it('turns credentials in the callback URL into a Basic Authorization header', async () => {
    const [host] = h.receiver.url.replace('http://', '').split('/');
    const callId = await createCall(h, { callbackUrl: `http://hook%20user:p%40ss@${host}/secure` });
    const { headers, path } = await h.receiver.waitForEvent(callId, 'answer');
    expect(path).toBe('/secure');
    expect(headers.authorization).toBe(`Basic ${Buffer.from('hook user:p@ss').toString('base64')}`);
    const { json: attempts } = await control(h, 'GET', `/calls/${callId}/callbacks`);
    expect(attempts[0].url).toBe(`${h.receiver.url}/secure`);
  });

  it('sends every field as a query parameter when callbackHttpMethod is GET', async () => {
    const callId = await createCall(h, { callbackHttpMethod: 'get', tag: 'by-get' });
    const { method, query } = await h.receiver.waitForEvent(callId, 'answer');
    expect(method).toBe('GET');
    expect(Object.fromEntries(query)).toMatchObject({ eventType: 'answer', callId, callState: 'active', tag: 'by-get' });
  });

  it('retries a failed delivery once, then sends it to the fallbackUrl', async () => {
    h.receiver.respondWith((callback) => (callback.path === '/primary' ? 500 : 200));
    const callId = await createCall(h, { callbackUrl: `${h.receiver.url}/primary`, fallbackUrl: `${h.receiver.url}/fallback` });
    await h.receiver.waitFor((c) => c.path === '/fallback' && c.body.callId === callId);
    const answers = h.receiver.received.filter((c) => c.body.callId === callId);
    expect(answers.map((c) => c.path)).toEqual(['/primary', '/primary', '/fallback']);
    expect(answers[1].receivedAt - answers[0].receivedAt).toBeGreaterThanOrEqual(450);
    const { json: attempts } = await control(h, 'GET', `/calls/${callId}/callbacks`);
    expect(attempts.map((a: Json) => [a.target, a.try, a.status])).toEqual([
      ['callback', 1, 500],
      ['callback', 2, 500],
      ['fallback', 1, 200],
    ]);
  });

  it('counts a receiver slower than callbackTimeout as a failed attempt', async () => {
    h.receiver.respondWith((callback) => (callback.path === '/slow' ? 'hang' : 200));
    const callId = await createCall(h, { callbackUrl: `${h.receiver.url}/slow`, callbackTimeout: 100 });
    await h.receiver.waitFor((c) => c.path === '/slow' && c.body.callId === callId && h.receiver.bodies(callId).length === 2);
    // The second attempt is recorded once its own 100 ms have run out.
    const attempts = await waitFor('both attempts to be recorded', async () => {
      const { json } = await control(h, 'GET', `/calls/${callId}/callbacks`);
      return json.length >= 2 ? (json as Json[]) : undefined;
    });
    expect(attempts.map((a: Json) => a.error)).toEqual(['no response within 100 ms', 'no response within 100 ms']);
  });

  it('delivers one call’s events one at a time, in order, even to a slow receiver', async () => {
    h.receiver.respondWith(() => sleep(40).then(() => 200));
    h.receiver.maxInFlight = 0;
    const callId = await answeredCall(h);
    await playFile(h, callId, { fileUrl: 'https://media.example.com/a.mp3?durationMs=0' });
    await api(h, 'POST', `/calls/${callId}`, { body: { state: 'completed' } });
    await h.receiver.waitForEvent(callId, 'hangup');
    expect(h.receiver.sequence(callId)).toEqual(['answer', 'playback:started', 'playback:done', 'hangup']);
    expect(h.receiver.maxInFlight).toBe(1);
  });

  it('redelivers a recorded callback on request, to test duplicate handling', async () => {
    const callId = await answeredCall(h);
    const reply = await control(h, 'POST', `/calls/${callId}/callbacks/0/redeliver`);
    expect(reply.status).toBe(200);
    expect(reply.json.attempts).toHaveLength(1);
    const answers = h.receiver.bodies(callId).filter((body) => body.eventType === 'answer');
    expect(answers).toHaveLength(2);
    expect(answers[1]).toEqual(answers[0]);
    expect((await control(h, 'POST', `/calls/${callId}/callbacks/99/redeliver`)).status).toBe(404);
  });
});

describe('driving the far end through the control API', () => {
  const h = useHarness({ answerDelayMs: 60_000 });

  it('answers a ringing outbound call now', async () => {
    const callId = await createCall(h);
    const reply = await control(h, 'POST', `/calls/${callId}/answer`);
    expect(reply.status).toBe(200);
    expect(reply.json.state).toBe('active');
    expect(h.receiver.sequence(callId)).toEqual(['answer']);
  });

  it('sends a dtmf event for a pressed digit', async () => {
    const callId = await createCall(h, { tag: 'keys' });
    await control(h, 'POST', `/calls/${callId}/answer`);
    await control(h, 'POST', `/calls/${callId}/dtmf`, { digit: '5' });
    expect(h.receiver.bodies(callId)[1]).toEqual({
      eventType: 'dtmf',
      callId,
      callUri: `${h.sim.url}/v1/users/${USER_ID}/calls/${callId}`,
      dtmfDigit: '5',
      time: expect.stringMatching(ISO_MS),
      tag: 'keys',
    });
    expect((await control(h, 'POST', `/calls/${callId}/dtmf`, { digit: '55' })).status).toBe(400);
  });

  it('hangs up from the far end with the given cause', async () => {
    const callId = await createCall(h);
    await control(h, 'POST', `/calls/${callId}/answer`);
    const reply = await control(h, 'POST', `/calls/${callId}/hangup`, { cause: 'USER_BUSY' });
    expect(reply.json).toMatchObject({ state: 'completed', endCause: 'USER_BUSY' });
    expect(h.receiver.bodies(callId).at(-1)).toMatchObject({ eventType: 'hangup', cause: 'USER_BUSY' });
    expect((await control(h, 'POST', `/calls/${callId}/hangup`)).status).toBe(409);
  });

  it('answers unknown calls and routes with a 404 control error', async () => {
    expect((await control(h, 'POST', '/calls/c-aaaaaaaaaaaaaaaaaaaaaaa/answer')).json).toEqual({
      error: { code: 'call-not-found', message: expect.any(String) },
    });
    expect((await control(h, 'GET', '/nothing')).status).toBe(404);
  });

  it('changes settings and reports them', async () => {
    const reply = await control(h, 'PATCH', '/settings', { remoteHangupDelayMs: 10 });
    expect(reply.json).toMatchObject({ answerDelayMs: 60_000, remoteHangupDelayMs: 10, audioOverlap: 'replace' });
    expect((await control(h, 'PATCH', '/settings', { answerDelayMs: -1 })).status).toBe(400);
  });

  it('forgets calls, scripts and requests on reset', async () => {
    await createCall(h);
    await control(h, 'PUT', '/scripts/%2B19195550170', { outcome: 'busy' });
    expect((await control(h, 'POST', '/reset')).status).toBe(204);
    expect((await control(h, 'GET', '/calls')).json).toEqual([]);
    expect((await control(h, 'GET', '/scripts')).json).toEqual([]);
    expect((await control(h, 'GET', '/requests')).json).toEqual([]);
  });
});

describe('listing calls', () => {
  const h = useHarness({ answerDelayMs: 60_000 });
  const created: string[] = [];
  beforeAll(async () => {
    for (const to of ['+19195550201', '+19195550202', '+19195550201']) {
      created.push(await createCall(h, { to }));
      await sleep(5);
    }
  });

  it('lists the newest call first by default', async () => {
    expect((await api(h, 'GET', '/calls')).json.map((call: Json) => call.id)).toEqual([...created].reverse());
  });

  it('pages, sorts ascending and filters by to', async () => {
    expect((await api(h, 'GET', '/calls?sortOrder=asc&size=2&page=0')).json.map((call: Json) => call.id)).toEqual(created.slice(0, 2));
    expect((await api(h, 'GET', '/calls?sortOrder=asc&size=2&page=1')).json.map((call: Json) => call.id)).toEqual(created.slice(2));
    const toFirst = await api(h, 'GET', `/calls?to=${encodeURIComponent('+19195550201')}`);
    expect(toFirst.json.map((call: Json) => call.id)).toEqual([created[2], created[0]]);
  });

  it('rejects a page size above 1000 with 400 validation-error', async () => {
    expectApiError(await api(h, 'GET', '/calls?size=1001'), 400, 'bad-request', 'validation-error');
  });
});

describe('closing the simulator', () => {
  it('cancels pending far-end actions so no callback arrives after close', async () => {
    const receiver = await CallbackReceiver.start();
    const sim = await startSimulator({ ...CREDENTIALS, answerDelayMs: 100 });
    const h = { sim, receiver };
    await createCall(h);
    await sim.close();
    await sim.close();
    await sleep(200);
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });

  it('aborts a callback the receiver never answers', async () => {
    const receiver = await CallbackReceiver.start();
    receiver.respondWith(() => 'hang');
    const sim = await startSimulator({ ...CREDENTIALS, answerDelayMs: 0 });
    await createCall({ sim, receiver });
    await receiver.waitFor(() => true);
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await receiver.close();
  });
});
