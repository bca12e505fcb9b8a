import { describe, expect, it } from '@jest/globals';
import { Bxml, CallStateEnum, CallsApi, Configuration } from 'bandwidth-sdk';
import {
  ACCOUNT_ID,
  API_USER,
  APPLICATION_ID,
  FROM,
  TO,
  V2_CALL_ID,
  accessToken,
  control,
  controlCall,
  disconnected,
  response,
  useV2Harness,
  verbRunning,
  type V2Harness,
} from './support/simulator-v2-harness.js';

/**
 * Bandwidth's own SDK (`CallsApi`), pointed at the simulator the documented way
 * (`Configuration.basePath`, bandwidth-v2.md §12.2), drives calls through their whole life: the
 * simulator's v2 API must be what the SDK expects, unchanged.
 */

const RINGING = '+19195550150';

function basicCalls(h: V2Harness): CallsApi {
  return new CallsApi(new Configuration({ ...API_USER, basePath: `${h.sim.url}/api/v2`, baseOptions: { timeout: 5000 } }));
}

function createRequest(h: V2Harness, to = TO) {
  return {
    from: FROM,
    to,
    applicationId: APPLICATION_ID,
    answerUrl: `${h.hooks.url}/answer`,
    answerMethod: 'POST' as const,
    disconnectUrl: `${h.hooks.url}/disconnect`,
    username: 'hook-user',
    password: 'hook-pass',
    callTimeout: 30,
    callbackTimeout: 15,
    tag: 'sdk-call',
  };
}

describe('bandwidth-sdk CallsApi against the v2 simulator', () => {
  const h = useV2Harness();

  it('creates a call, reads its state, redirects it, replaces its BXML and hangs it up', async () => {
    const calls = basicCalls(h);
    h.hooks.on('/answer', new Bxml.Response(new Bxml.Pause({ duration: 100 })).toBxml());
    h.hooks.on('/redirect', response('<Pause duration="100"/>'));

    const created = await calls.createCall(ACCOUNT_ID, createRequest(h));
    expect(created.status).toBe(201);
    const callId = created.data.callId;
    expect(callId).toMatch(V2_CALL_ID);
    expect(created.data).toMatchObject({ accountId: ACCOUNT_ID, applicationId: APPLICATION_ID, tag: 'sdk-call', callUrl: created.headers.location });

    const answer = await h.hooks.waitForEvent(callId, 'answer');
    expect(answer.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:hook-pass').toString('base64')}`);
    const state = await calls.getCallState(ACCOUNT_ID, callId);
    expect(state.status).toBe(200);
    expect(state.data).toMatchObject({ callId, state: 'answered', direction: 'outbound' });

    const redirected = await calls.updateCall(ACCOUNT_ID, callId, { state: CallStateEnum.Active, redirectUrl: `${h.hooks.url}/redirect`, tag: 'redirected' });
    expect(redirected.status).toBe(200);
    expect(redirected.data).toBe('');
    expect((await h.hooks.waitForEvent(callId, 'redirect')).body.tag).toBe('redirected');
    await verbRunning(h, callId, 'Pause', 2);

    const bxml = new Bxml.Bxml([new Bxml.SpeakSentence('This is a test sentence.'), new Bxml.Pause({ duration: 100 })]).toBxml();
    const replaced = await calls.updateCallBxml(ACCOUNT_ID, callId, bxml);
    expect(replaced.status).toBe(204);
    await verbRunning(h, callId, 'Pause', 3);

    const hungUp = await calls.updateCall(ACCOUNT_ID, callId, { state: CallStateEnum.Completed });
    expect(hungUp.status).toBe(200);
    const disconnect = await disconnected(h, callId);
    expect(disconnect.body).toMatchObject({ cause: 'hangup', tag: 'redirected' });
    expect((await calls.getCallState(ACCOUNT_ID, callId)).data).toMatchObject({ state: 'disconnected', disconnectCause: 'hangup' });

    const listed = await calls.listCalls(ACCOUNT_ID, TO);
    expect(listed.data.map((call) => call.callId)).toEqual([callId]);
    const verbs = (await controlCall(h, callId)).bxml.map((verb: any) => verb.verb);
    expect(verbs).toEqual(['Pause', 'Pause', 'SpeakSentence', 'Pause']);
  });

  it('cancels a ringing call with updateCall completed', async () => {
    await control(h, 'PUT', `/scripts/${encodeURIComponent(RINGING)}`, { outcome: 'answer', afterMs: 60_000 });
    const calls = basicCalls(h);
    const { data } = await calls.createCall(ACCOUNT_ID, createRequest(h, RINGING));
    expect((await calls.getCallState(ACCOUNT_ID, data.callId)).data.state).toBe('initiated');
    await calls.updateCall(ACCOUNT_ID, data.callId, { state: CallStateEnum.Completed });
    expect((await disconnected(h, data.callId)).body.cause).toBe('cancel');
  });

  it('works with OAuth bearer tokens handed to the SDK', async () => {
    const token = await accessToken(h);
    const calls = new CallsApi(new Configuration({ accessToken: async () => token, basePath: `${h.sim.url}/api/v2` }));
    h.hooks.on('/answer', response('<Hangup/>'));
    const { data } = await calls.createCall(ACCOUNT_ID, createRequest(h));
    expect((await disconnected(h, data.callId)).body.cause).toBe('hangup');
    expect((await calls.getCallState(ACCOUNT_ID, data.callId)).data.state).toBe('disconnected');
  });

  it('surfaces v2 errors as AxiosErrors with the documented body', async () => {
    const calls = new CallsApi(new Configuration({ username: API_USER.username, password: 'wrong', basePath: `${h.sim.url}/api/v2` }));
    const failure = await calls.getCallState(ACCOUNT_ID, 'c-unknown').catch((error: any) => error);
    expect(failure.response.status).toBe(401);
    expect(failure.response.data).toEqual({ type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
    const missing = await basicCalls(h).getCallState(ACCOUNT_ID, 'c-00000000-00000000-0000-0000-0000-000000000000').catch((error: any) => error);
    expect(missing.response.status).toBe(404);
  });
});
