import { toProviderEvent, type V2WebhookKind } from '../src/bandwidth/v2/events.js';
import type { ProviderEvent } from '../src/calls/call-signal.js';

// Payloads as docs/bandwidth-v2.md §8.4–8.7 give them.
const CALL_ID = 'c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d';
const CALL_URL = `https://voice.bandwidth.com/api/v2/accounts/55555555/calls/${CALL_ID}`;
const envelope = {
  accountId: '55555555',
  applicationId: '7fc9698a-b04a-468b-9e8f-91238c0d0086',
  from: '+15551112222',
  to: '+15553334444',
  callId: CALL_ID,
  callUrl: CALL_URL,
};

const initiate = {
  eventType: 'initiate',
  eventTime: '2019-06-20T15:56:11.554Z',
  ...envelope,
  direction: 'inbound',
  startTime: '2019-06-20T15:54:22.234Z',
};
const answer = {
  eventType: 'answer',
  eventTime: '2019-06-20T15:54:25.435Z',
  ...envelope,
  direction: 'outbound',
  startTime: '2019-06-20T15:54:22.234Z',
  answerTime: '2019-06-20T15:54:25.432Z',
  tag: 'call_01',
};
const disconnect = {
  eventType: 'disconnect',
  eventTime: '2019-06-20T15:55:55.533Z',
  ...envelope,
  direction: 'outbound',
  startTime: '2019-06-20T15:54:22.234Z',
  endTime: '2019-06-20T15:55:54.123Z',
  cause: 'busy',
  errorMessage: 'Callee is busy',
  errorId: '4642074b-7b58-478b-96e4-3a60955c6765',
};
const redirect = {
  eventType: 'redirect',
  eventTime: '2019-06-20T15:54:22.807Z',
  ...envelope,
  direction: 'outbound',
  startTime: '2019-06-20T15:54:22.234Z',
  answerTime: '2019-06-20T15:54:25.432Z',
  tag: 'call_01',
};

function eventOf(kind: V2WebhookKind, body: unknown, query: Record<string, string> = {}): ProviderEvent {
  const result = toProviderEvent(kind, body, query);
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

function errorOf(kind: V2WebhookKind, body: unknown, query: Record<string, string> = {}): string {
  const result = toProviderEvent(kind, body, query);
  if (result.ok) throw new Error('expected the webhook to be refused');
  return result.error;
}

describe('v2 webhooks as provider events', () => {
  it('answer: answered, tagged with our call id, at its eventTime, payload as received', () => {
    const event = eventOf('answer', answer);

    expect(event).toEqual({
      type: 'answer',
      providerCallId: CALL_ID,
      tag: 'call_01',
      occurredAt: new Date('2019-06-20T15:54:25.435Z'),
      signal: { kind: 'answered' },
      payload: answer,
      dedupeKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(event.payload).toBe(answer);
  });

  it('initiate: an incoming call from/to, without a tag', () => {
    const event = eventOf('initiate', initiate);

    expect(event.signal).toEqual({ kind: 'incoming', from: '+15551112222', to: '+15553334444' });
    expect(event).not.toHaveProperty('tag');
    expect(event.occurredAt).toEqual(new Date('2019-06-20T15:56:11.554Z'));
  });

  it('disconnect: ended with the v2 cause word as sent', () => {
    expect(eventOf('disconnect', disconnect).signal).toEqual({ kind: 'ended', cause: 'busy' });
    expect(eventOf('disconnect', { ...disconnect, cause: 'callback-error' }).signal).toEqual({ kind: 'ended', cause: 'callback-error' });
  });

  it('redirect after a file: playback-done, tagged with the playback id (the call id stays in the payload)', () => {
    const event = eventOf('redirect', redirect, { playback: 'pb_7' });

    expect(event.signal).toEqual({ kind: 'playback-done' });
    expect(event.tag).toBe('pb_7');
    expect(event.payload.tag).toBe('call_01');
  });

  it('redirect after a looping file: playback-looped with the playback id', () => {
    const event = eventOf('redirect', redirect, { playback: 'pb_7', loop: '1' });

    expect(event.signal).toEqual({ kind: 'playback-looped' });
    expect(event.tag).toBe('pb_7');
  });

  it.each<Record<string, string>>([{ hold: '1' }, { ringing: '1' }, {}, { other: 'x' }, { answered: '1' }])('redirect with %j: informational', (query) => {
    const event = eventOf('redirect', redirect, query);

    expect(event.signal).toEqual({ kind: 'informational' });
    expect(event.tag).toBe('call_01');
  });

  it('takes the first value of a repeated query parameter', () => {
    expect(eventOf('redirect', redirect, { playback: ['pb_1', 'pb_2'] } as never).tag).toBe('pb_1');
  });

  it('dedupeKey: equal for a redelivery, different for different callbacks', () => {
    const key = (kind: V2WebhookKind, body: unknown, query: Record<string, string> = {}) => eventOf(kind, body, query).dedupeKey;
    const first = key('redirect', redirect, { playback: 'pb_1' });

    // Same callback again, fields in another order, an extra field Bandwidth may add.
    expect(key('redirect', { ...Object.fromEntries(Object.entries(redirect).reverse()), newField: 1 }, { playback: 'pb_1' })).toBe(first);
    // The next loop of the same file: another eventTime.
    expect(key('redirect', { ...redirect, eventTime: '2019-06-20T15:54:52.807Z' }, { playback: 'pb_1' })).not.toBe(first);
    // Another marker at the same time, another call, another event type.
    expect(key('redirect', redirect, { playback: 'pb_1', loop: '1' })).not.toBe(first);
    expect(key('redirect', redirect, { playback: 'pb_2' })).not.toBe(first);
    expect(key('redirect', redirect, { hold: '1' })).not.toBe(first);
    expect(key('redirect', { ...redirect, callId: 'c-other' }, { playback: 'pb_1' })).not.toBe(first);
    expect(key('answer', { ...answer, eventTime: redirect.eventTime })).not.toBe(key('redirect', redirect));
  });

  it('is lenient with fields it does not use, strict with those it does', () => {
    // Extra and wrongly typed unused fields pass and stay in the payload.
    const lenient = eventOf('answer', { ...answer, machineDetectionResult: { value: 'human' }, direction: 7, startTime: null });
    expect(lenient.payload.machineDetectionResult).toEqual({ value: 'human' });

    expect(errorOf('answer', { ...answer, callId: '' })).toMatch(/callId/);
    expect(errorOf('answer', { ...answer, eventTime: 'yesterday' })).toMatch(/eventTime/);
    expect(errorOf('disconnect', { ...disconnect, cause: undefined })).toMatch(/cause/);
    expect(errorOf('initiate', { ...initiate, from: undefined })).toMatch(/from/);
    expect(errorOf('answer', redirect)).toMatch(/eventType/);
    expect(errorOf('redirect', [redirect])).toMatch(/JSON object/);
    expect(errorOf('redirect', null)).toMatch(/JSON object/);
  });

  it('ignores an empty tag', () => {
    expect(eventOf('answer', { ...answer, tag: '' })).not.toHaveProperty('tag');
  });
});
