import { describe, expect, it } from '@jest/globals';
import { waitFor } from './support/wait-for.js';
import {
  ACCOUNT_ID,
  APPLICATION_ID,
  OTHER_APPLICATION_ID,
  control,
  controlCall,
  createV2Call,
  disconnected,
  response,
  useV2Harness,
  v2api,
  verbRunning,
  type V2Harness,
} from './support/simulator-v2-harness.js';

/** BXML execution: each verb, sequences, redirects, inbound calls and how bad BXML ends a call. */

const file = (name: string, durationMs: number) => `https://audio.example.com/${name}.mp3?durationMs=${durationMs}`;

function span(verb: { startedAt: string; endedAt: string }): number {
  return Date.parse(verb.endedAt) - Date.parse(verb.startedAt);
}

async function executed(h: V2Harness, callId: string): Promise<any[]> {
  return (await controlCall(h, callId)).bxml;
}

async function inbound(h: V2Harness, fields: Record<string, unknown> = {}): Promise<string> {
  const reply = await control(h, 'POST', '/incoming', { api: 'v2', from: '+19195550111', to: '+19195550122', ...fields });
  expect(reply.status).toBe(201);
  return reply.json.callId;
}

describe('v2 BXML: verbs in order', () => {
  const h = useV2Harness();

  it('plays files one after the other for their media duration, then hangs up when the BXML runs out', async () => {
    h.hooks.on('/answer', response(`<PlayAudio>${file('a', 120)}</PlayAudio>`, `<PlayAudio>${file('b', 60)}</PlayAudio>`));
    const callId = await createV2Call(h);
    const hangup = await disconnected(h, callId);
    expect(hangup.body).toMatchObject({ cause: 'hangup', callId, direction: 'outbound' });
    const [a, b] = await executed(h, callId);
    expect([a.verb, a.text, a.outcome, b.verb, b.text, b.outcome]).toEqual(['PlayAudio', file('a', 120), 'completed', 'PlayAudio', file('b', 60), 'completed']);
    expect(span(a)).toBeGreaterThanOrEqual(110);
    expect(span(b)).toBeGreaterThanOrEqual(50);
    expect(Date.parse(b.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.endedAt));
  });

  it('times Pause, Ring and SpeakSentence by the time scale (60 ms a character for speech)', async () => {
    h.hooks.on('/answer', response('<Pause duration="10"/>', '<Ring duration="5" answerCall="false"/>', '<SpeakSentence voice="julie">Hello <break time="1s"/> there, friend</SpeakSentence>', '<Hangup/>'));
    const callId = await createV2Call(h);
    await disconnected(h, callId);
    const [pause, ring, speak, hangup] = await executed(h, callId);
    expect([pause.plannedMs, ring.plannedMs]).toEqual([100, 50]);
    // "Hello there, friend": 19 characters × 60 ms × 0.01.
    expect(speak).toMatchObject({ verb: 'SpeakSentence', text: 'Hello there, friend', attributes: { voice: 'julie' }, plannedMs: 11 });
    expect(hangup).toMatchObject({ verb: 'Hangup', outcome: 'completed' });
    expect(span(pause)).toBeGreaterThanOrEqual(90);
  });

  it('an empty <Response/> hangs up at once', async () => {
    h.hooks.on('/answer', response());
    const callId = await createV2Call(h);
    expect((await disconnected(h, callId)).body.cause).toBe('hangup');
    expect(await executed(h, callId)).toEqual([]);
  });

  it('<Tag> sets the tag later webhooks carry', async () => {
    h.hooks.on('/answer', response('<Tag>playing</Tag>', '<Pause duration="1"/>', '<Tag>done</Tag>'));
    const callId = await createV2Call(h, { tag: 'created' });
    expect((await h.hooks.waitForEvent(callId, 'answer')).body.tag).toBe('created');
    expect((await disconnected(h, callId)).body.tag).toBe('done');
  });
});

describe('v2 BXML: <Redirect>', () => {
  const h = useV2Harness();

  it('fires after the verbs before it, with its credentials, method and tag; the reply is the next document', async () => {
    h.hooks.on('/answer', response(`<PlayAudio>${file('intro', 50)}</PlayAudio>`, '<Redirect redirectUrl="/next?step=2" redirectMethod="GET" username="ru" password="rp" tag="step-2"/>', '<PlayAudio>https://never.example.com/x.mp3</PlayAudio>'));
    h.hooks.on('/next', response(`<PlayAudio>${file('second', 30)}</PlayAudio>`));
    const callId = await createV2Call(h);
    const redirect = await h.hooks.waitForEvent(callId, 'redirect');
    expect(redirect.method).toBe('GET');
    expect(redirect.query.get('step')).toBe('2');
    expect(redirect.body).toMatchObject({ eventType: 'redirect', tag: 'step-2', accountId: ACCOUNT_ID, applicationId: APPLICATION_ID });
    expect(redirect.headers.authorization).toBe(`Basic ${Buffer.from('ru:rp').toString('base64')}`);
    await disconnected(h, callId);
    const verbs = await executed(h, callId);
    expect(verbs.map((verb) => [verb.document, verb.verb, verb.text ?? verb.attributes.redirectUrl])).toEqual([
      [1, 'PlayAudio', file('intro', 50)],
      [1, 'Redirect', '/next?step=2'],
      [2, 'PlayAudio', file('second', 30)],
    ]);
    expect(verbs[1].attributes.password).toBe('*****');
    expect(Date.parse(verbs[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(verbs[0].endedAt));
  });

  it('ends the call with callback-error when the redirect webhook fails, after one retry', async () => {
    h.hooks.on('/answer', response(`<Redirect redirectUrl="${h.hooks.url}/broken"/>`));
    h.hooks.on('/broken', { status: 500 });
    const callId = await createV2Call(h);
    const hangup = await disconnected(h, callId);
    expect(hangup.body).toMatchObject({ cause: 'callback-error', errorMessage: expect.stringContaining('HTTP 500'), errorId: expect.any(String) });
    expect(h.hooks.sequence(callId)).toEqual(['answer /answer', 'redirect /broken', 'redirect /broken', 'disconnect /disconnect']);
  });

  it('uses the fallback URL when the redirect URL fails', async () => {
    h.hooks.on('/answer', response(`<Redirect redirectUrl="${h.hooks.url}/broken" redirectFallbackUrl="${h.hooks.url}/fallback"/>`));
    h.hooks.on('/broken', { status: 503 });
    h.hooks.on('/fallback', response('<Hangup/>'));
    const callId = await createV2Call(h);
    expect((await disconnected(h, callId)).body.cause).toBe('hangup');
    expect(h.hooks.sequence(callId).slice(-2)).toEqual(['redirect /fallback', 'disconnect /disconnect']);
  });
});

describe('v2 BXML: webhook replies that end the call', () => {
  const h = useV2Harness();

  const endsWith = async (reply: Parameters<V2Harness['hooks']['on']>[1], cause: string, message?: RegExp) => {
    h.hooks.on('/answer', reply);
    const callId = await createV2Call(h);
    const hangup = await disconnected(h, callId);
    expect(hangup.body.cause).toBe(cause);
    if (message) expect(hangup.body.errorMessage).toMatch(message);
    expect((await v2api(h, 'GET', `/calls/${callId}`)).json).toMatchObject({ state: 'disconnected', disconnectCause: cause });
  };

  it('invalid BXML: not XML, wrong root, unknown verb, bad attribute, no reply body', async () => {
    await endsWith('hello', 'invalid-bxml', /not XML/);
    await endsWith('<Bxml><Hangup/></Bxml>', 'invalid-bxml', /root element must be <Response>/);
    await endsWith(response('<Dance/>'), 'invalid-bxml', /not a BXML verb/);
    await endsWith(response('<Pause duration="0"/>'), 'invalid-bxml', /duration/);
    await endsWith(response('<Pause lenght="1"/>'), 'invalid-bxml', /no attribute lenght/);
    await endsWith(response('<Redirect/>'), 'invalid-bxml', /redirectUrl/);
    await endsWith(response('<Response/>'), 'invalid-bxml', /not a BXML verb/);
    await endsWith({ status: 200, body: '' }, 'invalid-bxml', /no BXML/);
    await endsWith(`<Response>${'<Pause/>'.repeat(10_000)}</Response>`, 'invalid-bxml', /larger than/);
  });

  it('a verb the simulator does not simulate: application-error', async () => {
    await endsWith(response('<Gather maxDigits="1"/>'), 'application-error', /Gather/);
  });

  it('a failing answer webhook: callback-error (non-2xx, or no reply within callbackTimeout)', async () => {
    await endsWith({ status: 404 }, 'callback-error', /HTTP 404/);
    h.hooks.on('/answer', 'hang');
    const callId = await createV2Call(h, { callbackTimeout: 1 });
    const hangup = await disconnected(h, callId, 5000);
    expect(hangup.body).toMatchObject({ cause: 'callback-error', errorMessage: expect.stringMatching(/no response within 1000 ms/) });
  });

  it('uses answerFallbackUrl when the answer URL fails', async () => {
    h.hooks.on('/answer', { status: 500 });
    h.hooks.on('/answer-fallback', response('<Hangup/>'));
    const callId = await createV2Call(h, { answerFallbackUrl: `${h.hooks.url}/answer-fallback` });
    expect((await disconnected(h, callId)).body.cause).toBe('hangup');
    expect(h.hooks.sequence(callId)).toEqual(['answer /answer', 'answer /answer', 'answer /answer-fallback', 'disconnect /disconnect']);
  });
});

describe('v2 far-end numbers', () => {
  const h = useV2Harness();
  const outcome = async (to: string, cause: string) => {
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    const callId = await createV2Call(h, { to });
    const hangup = await disconnected(h, callId);
    expect(hangup.body.cause).toBe(cause);
    return { callId, hangup };
  };

  it('busy, rejects, never answers, unallocated', async () => {
    const busy = await outcome('+15005550001', 'busy');
    expect(busy.hangup.body.errorMessage).toBe('Callee is busy');
    expect(busy.hangup.body).not.toHaveProperty('answerTime');
    await outcome('+15005550002', 'rejected');
    await control(h, 'PUT', `/scripts/${encodeURIComponent('+15005550003')}`, { outcome: 'no-answer', afterMs: 50 });
    await outcome('+15005550003', 'timeout');
    await outcome('+15005550005', 'error');
  });

  it('answers then hangs up: answer, then disconnect hangup', async () => {
    const { callId, hangup } = await outcome('+15005550004', 'hangup');
    expect(h.hooks.sequence(callId)).toEqual(['answer /answer', 'disconnect /disconnect']);
    expect(hangup.body.answerTime).toBeDefined();
    expect((await executed(h, callId))[0].outcome).toBe('call-ended');
  });

  it('answers before the create response, and refuses +15005550009 with 403', async () => {
    h.hooks.on('/answer', response('<Hangup/>'));
    const reply = await v2api(h, 'POST', '/calls', {
      body: { from: '+19195550100', to: '+15005550006', applicationId: APPLICATION_ID, answerUrl: `${h.hooks.url}/answer`, disconnectUrl: `${h.hooks.url}/disconnect` },
    });
    expect(reply.status).toBe(201);
    expect(h.hooks.of(reply.json.callId).map((hook) => hook.body.eventType)[0]).toBe('answer');
    const refused = await v2api(h, 'POST', '/calls', { body: { from: '+19195550100', to: '+15005550009', applicationId: APPLICATION_ID, answerUrl: `${h.hooks.url}/answer` } });
    expect(refused.status).toBe(403);
    expect(refused.json.type).toBe('authorization-error');
  });

  it('the far end hangs up through the control API: disconnect hangup, the running verb cut', async () => {
    h.hooks.on('/answer', response('<Pause duration="100"/>'));
    const callId = await createV2Call(h);
    await verbRunning(h, callId, 'Pause');
    expect((await control(h, 'POST', `/calls/${callId}/hangup`)).status).toBe(200);
    expect((await disconnected(h, callId)).body.cause).toBe('hangup');
    expect(await executed(h, callId)).toMatchObject([{ verb: 'Pause', outcome: 'call-ended' }]);
  });
});

describe('v2 inbound calls', () => {
  const h = useV2Harness();

  it('sends initiate to the application with its credentials; BXML answers the call; disconnect goes to its status URL', async () => {
    await control(h, 'PUT', `/v2/applications/${APPLICATION_ID}`, {
      callInitiatedCallbackUrl: `${h.hooks.url}/initiate`,
      callStatusCallbackUrl: `${h.hooks.url}/status`,
      username: 'app-user',
      password: 'app-pass',
    });
    h.hooks.on('/initiate', response(`<PlayAudio>${file('welcome', 40)}</PlayAudio>`));
    const callId = await inbound(h);
    const initiate = await h.hooks.waitForEvent(callId, 'initiate');
    expect(initiate.body).toMatchObject({ eventType: 'initiate', direction: 'inbound', applicationId: APPLICATION_ID, accountId: ACCOUNT_ID, from: '+19195550111', to: '+19195550122' });
    expect(initiate.body).not.toHaveProperty('tag');
    expect(initiate.headers.authorization).toBe(`Basic ${Buffer.from('app-user:app-pass').toString('base64')}`);
    const status = await h.hooks.waitForEvent(callId, 'disconnect');
    expect(status.path).toBe('/status');
    expect(status.body).toMatchObject({ cause: 'hangup', answerTime: expect.any(String) });
    expect(h.hooks.of(callId).map((hook) => hook.body.eventType)).toEqual(['initiate', 'disconnect']);
    const listed = (await control(h, 'GET', '/v2/applications')).json;
    expect(listed[0]).toMatchObject({ applicationId: APPLICATION_ID, password: '*****' });
  });

  it('<Ring answerCall="false"> keeps it ringing; <Hangup> then rejects it', async () => {
    await control(h, 'PUT', `/v2/applications/${OTHER_APPLICATION_ID}`, { callStatusCallbackUrl: `${h.hooks.url}/status` });
    h.hooks.on('/ring', response('<Ring duration="5" answerCall="false"/>', '<Hangup/>'));
    const callId = await inbound(h, { applicationId: OTHER_APPLICATION_ID, url: `${h.hooks.url}/ring` });
    expect((await v2api(h, 'GET', `/calls/${callId}`)).json).toMatchObject({ state: 'initiated', direction: 'inbound', applicationId: OTHER_APPLICATION_ID });
    const hangup = await h.hooks.waitForEvent(callId, 'disconnect');
    expect(hangup.body.cause).toBe('rejected');
    expect(hangup.body).not.toHaveProperty('answerTime');
  });

  it('a redirect on a ringing inbound call keeps it unanswered until a verb answers it: a <Ring> does, as documented', async () => {
    let polls = 0;
    h.hooks.on('/ring', () =>
      ++polls < 3 ? response('<Ring duration="2" answerCall="false"/>', '<Redirect redirectUrl="/ring"/>') : response('<Ring duration="0.1"/>', '<Pause duration="100"/>'),
    );
    const callId = await inbound(h, { url: `${h.hooks.url}/ring` });
    await h.hooks.waitFor((hook) => hook.body.callId === callId && hook.body.eventType === 'redirect' && hook.body.answerTime === undefined);
    await verbRunning(h, callId, 'Pause', 3);
    const call = await controlCall(h, callId);
    expect(call.state).toBe('answered');
    expect(call.bxml.map((verb: any) => verb.verb)).toEqual(['Ring', 'Redirect', 'Ring', 'Redirect', 'Ring', 'Pause']);
  });

  it('a <Pause> does not answer a ringing inbound call: no Bandwidth document says it does', async () => {
    h.hooks.on('/paused', response('<Pause duration="100"/>'));
    const callId = await inbound(h, { url: `${h.hooks.url}/paused` });
    await verbRunning(h, callId, 'Pause');
    expect((await controlCall(h, callId)).state).toBe('initiated');
  });

  it('is refused without an initiate URL', async () => {
    await control(h, 'PUT', `/v2/applications/${APPLICATION_ID}`, {});
    const reply = await control(h, 'POST', '/incoming', { api: 'v2', from: '+19195550111', to: '+19195550122' });
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('no-initiate-url');
  });
});

describe('v2 callback faults', () => {
  const h = useV2Harness();

  it('duplicates webhooks; the BXML of the first copy runs once', async () => {
    await control(h, 'PUT', '/faults/callbacks', { duplicate: 1 });
    h.hooks.on('/answer', response('<Pause duration="1"/>'));
    const callId = await createV2Call(h);
    await disconnected(h, callId);
    await waitFor('the copy of the disconnect', () => h.hooks.sequence(callId).length >= 4);
    expect(h.hooks.sequence(callId)).toEqual(['answer /answer', 'answer /answer', 'disconnect /disconnect', 'disconnect /disconnect']);
    expect((await executed(h, callId)).map((verb) => verb.verb)).toEqual(['Pause']);
  });

  it('delays webhooks by the injected latency', async () => {
    await control(h, 'PUT', '/faults/callbacks', { delayMs: 150 });
    h.hooks.on('/answer', response('<Hangup/>'));
    const started = Date.now();
    const callId = await createV2Call(h);
    const answer = await h.hooks.waitForEvent(callId, 'answer');
    expect(answer.receivedAt - started).toBeGreaterThanOrEqual(150);
  });

  it('records every webhook attempt with the BXML answered', async () => {
    h.hooks.on('/answer', response('<Hangup/>'));
    const callId = await createV2Call(h);
    await disconnected(h, callId);
    const attempts = (await control(h, 'GET', `/calls/${callId}/callbacks`)).json;
    expect(attempts.map((attempt: any) => [attempt.eventType, attempt.status])).toEqual([
      ['answer', 200],
      ['disconnect', 204],
    ]);
    expect(attempts[0].response.body).toBe(response('<Hangup/>'));
  });
});
