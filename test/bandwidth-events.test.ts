import Fastify from 'fastify';
import {
  bandwidthWebhookBodySchema,
  parseBandwidthEvent,
  toProviderEvent,
  type BandwidthEvent,
} from '../src/bandwidth/v1/events.js';

const CALL_ID = 'c-aaaaaaaaaaaaaaaaaaaaaaa';
const CALL_URI = `https://api.catapult.inetwork.com/v1/users/u-bbbbbbbbbbbbbbbbbbbbbbb/calls/${CALL_ID}`;
const RECEIVED_AT = new Date('2030-01-01T00:00:00.000Z');

// One payload per documented type, as in the reference's examples (§6.3–§6.11).
const samples = {
  incomingcall: {
    eventType: 'incomingcall',
    from: '+13233326955',
    to: '+13865245000',
    callId: CALL_ID,
    callUri: CALL_URI,
    callState: 'active',
    applicationId: 'a-ccccccccccccccccccccccc',
    time: '2012-11-14T16:21:59.616Z',
  },
  answer: {
    eventType: 'answer',
    from: '+15753222083',
    to: '+13865245000',
    callId: CALL_ID,
    callUri: CALL_URI,
    callState: 'active',
    time: '2012-11-14T16:29:35.427Z',
    tag: 'example-tag',
  },
  playbackStarted: {
    eventType: 'playback',
    status: 'started',
    callId: CALL_ID,
    callUri: CALL_URI,
    tag: 'greeting',
    time: '2012-11-14T15:56:05.896Z',
  },
  playbackDone: {
    eventType: 'playback',
    status: 'done',
    callId: CALL_ID,
    callUri: CALL_URI,
    tag: 'greeting',
    time: '2012-11-14T15:56:09.101Z',
  },
  speak: {
    eventType: 'speak',
    status: 'done',
    state: 'PLAYBACK_STOP',
    callId: CALL_ID,
    callUri: CALL_URI,
    tag: 'hello',
    time: '2012-11-14T15:56:07.000Z',
  },
  dtmf: { eventType: 'dtmf', callId: CALL_ID, callUri: CALL_URI, dtmfDigit: '5', time: '2012-11-14T15:56:09.276Z' },
  gather: {
    eventType: 'gather',
    reason: 'max-digits',
    state: 'completed',
    digits: '25',
    time: '2014-07-31T01:01:27Z',
    callId: CALL_ID,
    gatherId: 'gtr-kj4xloaq5vbpfxyeypndgxa',
  },
  timeout: {
    eventType: 'timeout',
    from: '+12096626728',
    to: '+15756162105',
    callId: CALL_ID,
    callUri: CALL_URI,
    time: '2013-11-06T14:25:58.857Z',
  },
  hangup: {
    eventType: 'hangup',
    callId: CALL_ID,
    callUri: CALL_URI,
    from: '+13233326955',
    to: '+13233326955',
    cause: 'NORMAL_CLEARING',
    time: '2012-11-14T15:56:12.636Z',
  },
  recording: {
    callId: CALL_ID,
    eventType: 'recording',
    recordingId: 'rec-dddddddddddddddddddddd',
    recordingUri: 'https://api.catapult.inetwork.com/v1/users/u-b/recordings/rec-d',
    status: 'complete',
    startTime: '2013-08-19T16:56:57.643Z',
    endTime: '2013-08-19T16:57:08.712Z',
  },
  transcription: {
    // The reference's transcription example carries no callId; we require one on every event.
    callId: CALL_ID,
    eventType: 'transcription',
    transcriptionUri: 'https://api.catapult.inetwork.com/v1/users/u-b/recordings/rec-d/transcriptions/tr-e',
    textSize: 14,
    text: 'Hello, world.',
    status: 'completed',
    textUrl: 'https://api.catapult.inetwork.com/v1/users/u-b/media/tr-e',
    recordingId: 'rec-dddddddddddddddddddddd',
    state: 'completed',
    transcriptionId: 'tr-eeeeeeeeeeeeeeeeeeeeeee',
  },
} satisfies Record<string, Record<string, unknown>>;

function parsed(body: unknown): BandwidthEvent {
  const result = parseBandwidthEvent(body);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(body)} to parse, got: ${result.error}`);
  return result.event;
}

function failure(body: unknown): string {
  const result = parseBandwidthEvent(body);
  if (result.ok) throw new Error(`expected ${JSON.stringify(body)} to be refused`);
  return result.error;
}

describe('parseBandwidthEvent with the documented samples', () => {
  it.each([
    ['incomingcall', samples.incomingcall, { kind: 'incoming', from: '+13233326955', to: '+13865245000' }],
    ['answer', samples.answer, { kind: 'answered' }],
    ['playback started', samples.playbackStarted, { kind: 'playback-started' }],
    ['playback done', samples.playbackDone, { kind: 'playback-done' }],
    ['speak', samples.speak, { kind: 'informational' }],
    ['dtmf', samples.dtmf, { kind: 'informational' }],
    ['gather', samples.gather, { kind: 'informational' }],
    ['timeout', samples.timeout, { kind: 'timed-out' }],
    ['hangup', samples.hangup, { kind: 'ended', cause: 'NORMAL_CLEARING' }],
    ['recording', samples.recording, { kind: 'informational' }],
    ['transcription', samples.transcription, { kind: 'informational' }],
  ])('reads a %s event and gives it the right signal', (_name, body, signal) => {
    const event = parsed(body);

    expect(event).toMatchObject({ ...body, known: true });
    const providerEvent = toProviderEvent(event, RECEIVED_AT);
    expect(providerEvent.signal).toEqual(signal);
    expect(providerEvent.type).toBe(body.eventType);
    expect(providerEvent.providerCallId).toBe(CALL_ID);
    expect(providerEvent.payload).toEqual(body);
  });

  it('types each known event by its eventType', () => {
    const event = parsed(samples.dtmf);

    if (!event.known || event.eventType !== 'dtmf') throw new Error('expected a dtmf event');
    expect(event.dtmfDigit).toBe('5');
  });

  it('keeps fields the reference does not list', () => {
    const event = parsed({ ...samples.answer, withholdCallerNumber: 'false', displayName: 'Alice' });

    expect(event).toMatchObject({ withholdCallerNumber: 'false', displayName: 'Alice' });
  });

  it('reads a forwarded call diversion, also when a GET-mode callback sends it as JSON text', () => {
    const diversion = { origTo: '+15551112222', reason: 'unconditional', screen: 'no', privacy: 'off', counter: 1 };

    const fromObject = parsed({ ...samples.incomingcall, diversion });
    const fromText = parsed({ ...samples.incomingcall, diversion: JSON.stringify(diversion) });

    expect(fromObject).toMatchObject({ diversion });
    expect(fromText).toMatchObject({ diversion });
  });

  it('reads textSize sent as text', () => {
    const event = parsed({ ...samples.transcription, textSize: '3627' });

    expect(event).toMatchObject({ textSize: 3627 });
  });
});

describe('parseBandwidthEvent with unknown event types', () => {
  it('accepts an unknown eventType as an unknown, informational event', () => {
    const body = { eventType: 'conference-member', callId: CALL_ID, conferenceId: 'conf-1', state: 'active', activeMembers: 2 };

    const event = parsed(body);

    expect(event).toEqual({ ...body, known: false });
    const providerEvent = toProviderEvent(event, RECEIVED_AT);
    expect(providerEvent).toMatchObject({ type: 'conference-member', providerCallId: CALL_ID, signal: { kind: 'informational' } });
    expect(providerEvent.payload).toEqual(body);
  });

  it('does not treat the SDK-only reject type as an ended call', () => {
    const event = parsed({ eventType: 'reject', callId: CALL_ID, time: '2014-04-23T11:53:43.000Z' });

    expect(toProviderEvent(event, RECEIVED_AT).signal).toEqual({ kind: 'informational' });
  });
});

describe('parseBandwidthEvent refusals', () => {
  it.each([
    ['null', null],
    ['a string', 'eventType=answer'],
    ['an array', [samples.answer]],
  ])('refuses %s as a payload', (_name, body) => {
    expect(failure(body)).toMatch(/JSON object/);
  });

  it('refuses a payload without callId, naming the field', () => {
    const { callId: _callId, ...body } = samples.answer;

    expect(failure(body)).toMatch(/callId/);
  });

  it('refuses a payload without eventType, naming the field', () => {
    const { eventType: _eventType, ...body } = samples.answer;

    expect(failure(body)).toMatch(/eventType/);
  });

  it.each([
    ['an empty callId', { ...samples.answer, callId: '' }, 'callId'],
    ['a numeric callId', { ...samples.answer, callId: 42 }, 'callId'],
    ['a blank eventType', { ...samples.answer, eventType: '  ' }, 'eventType'],
    ['a numeric playback status', { ...samples.playbackDone, status: 2 }, 'status'],
    ['an incomingcall without from', { ...samples.incomingcall, from: undefined }, 'from'],
    ['an incomingcall with a numeric to', { ...samples.incomingcall, to: 13865245000 }, 'to'],
    ['a dtmf event without its digit', { ...samples.dtmf, dtmfDigit: null }, 'dtmfDigit'],
    ['a recording without recordingId', { ...samples.recording, recordingId: 7 }, 'recordingId'],
  ])('refuses %s, naming the field', (_name, body, field) => {
    expect(failure(body)).toContain(`"${field}"`);
  });

  it('drops an optional field of the wrong type instead of refusing the delivery', () => {
    const body = { ...samples.hangup, callState: 5 };

    const event = parsed(body);

    expect(event.callState).toBeUndefined();
    expect(toProviderEvent(event, RECEIVED_AT).payload).toEqual(body);
  });
});

describe('toProviderEvent', () => {
  it('carries the tag and the provider time', () => {
    const providerEvent = toProviderEvent(parsed(samples.answer), RECEIVED_AT);

    expect(providerEvent.tag).toBe('example-tag');
    expect(providerEvent.occurredAt).toEqual(new Date('2012-11-14T16:29:35.427Z'));
  });

  it('falls back to the time of receipt when time is absent or not a date', () => {
    const { time: _time, ...withoutTime } = samples.answer;

    expect(toProviderEvent(parsed(withoutTime), RECEIVED_AT).occurredAt).toEqual(RECEIVED_AT);
    expect(toProviderEvent(parsed({ ...samples.answer, time: 'yesterday' }), RECEIVED_AT).occurredAt).toEqual(RECEIVED_AT);
    expect(toProviderEvent(parsed({ ...samples.answer, time: '5' }), RECEIVED_AT).occurredAt).toEqual(RECEIVED_AT);
  });

  it('leaves tag out when the event has none', () => {
    expect(toProviderEvent(parsed(samples.dtmf), RECEIVED_AT)).not.toHaveProperty('tag');
  });

  it('reports a hangup without cause as ended with cause UNKNOWN', () => {
    const { cause: _cause, ...body } = samples.hangup;

    expect(toProviderEvent(parsed(body), RECEIVED_AT).signal).toEqual({ kind: 'ended', cause: 'UNKNOWN' });
  });

  it('reports a rejected call as ended with CALL_REJECTED', () => {
    const body = { ...samples.hangup, callState: 'completed', cause: 'CALL_REJECTED' };

    expect(toProviderEvent(parsed(body), RECEIVED_AT).signal).toEqual({ kind: 'ended', cause: 'CALL_REJECTED' });
  });

  it('treats a playback status other than started or done as informational', () => {
    expect(toProviderEvent(parsed({ ...samples.playbackDone, status: 'paused' }), RECEIVED_AT).signal).toEqual({
      kind: 'informational',
    });
  });

  it('gives identical redeliveries the same dedupeKey', () => {
    const first = toProviderEvent(parsed(structuredClone(samples.playbackDone)), RECEIVED_AT);
    const again = toProviderEvent(parsed(structuredClone(samples.playbackDone)), new Date());

    expect(first.dedupeKey).toMatch(/^[0-9a-f]{64}$/);
    expect(again.dedupeKey).toBe(first.dedupeKey);
  });

  it('gives the same dedupeKey whatever the order of the keys, nested ones included', () => {
    const diversion = { origTo: '+15551112222', reason: 'unconditional' };
    const body = { ...samples.incomingcall, diversion };
    const reordered = Object.fromEntries(
      Object.entries({ ...body, diversion: { reason: diversion.reason, origTo: diversion.origTo } }).reverse(),
    );

    expect(toProviderEvent(parsed(reordered), RECEIVED_AT).dedupeKey).toBe(toProviderEvent(parsed(body), RECEIVED_AT).dedupeKey);
  });

  it('gives different events different dedupeKeys', () => {
    const keys = new Set(
      [samples.playbackStarted, samples.playbackDone, { ...samples.playbackDone, time: '2012-11-14T15:56:09.102Z' }].map(
        (body) => toProviderEvent(parsed(body), RECEIVED_AT).dedupeKey,
      ),
    );

    expect(keys.size).toBe(3);
  });

  it('works on an event built by hand, using the event itself as payload', () => {
    const event: BandwidthEvent = { known: true, eventType: 'answer', callId: CALL_ID };

    expect(toProviderEvent(event, RECEIVED_AT)).toMatchObject({
      type: 'answer',
      providerCallId: CALL_ID,
      occurredAt: RECEIVED_AT,
      payload: { eventType: 'answer', callId: CALL_ID },
      signal: { kind: 'answered' },
    });
  });
});

describe('bandwidthWebhookBodySchema', () => {
  it('requires eventType and callId as bounded non-empty strings and allows any other field', () => {
    expect(bandwidthWebhookBodySchema).toMatchObject({
      type: 'object',
      required: ['eventType', 'callId'],
      additionalProperties: true,
      properties: {
        eventType: { type: 'string', minLength: 1 },
        callId: { type: 'string', minLength: 1, maxLength: 256 },
      },
    });
    expect(bandwidthWebhookBodySchema.properties.eventType.maxLength).toBeLessThanOrEqual(256);
  });

  it('lets Fastify accept documented payloads and refuse ones without a usable callId', async () => {
    const app = Fastify();
    app.post('/events', { schema: { body: bandwidthWebhookBodySchema } }, async (request) => {
      const result = parseBandwidthEvent(request.body);
      return { ok: result.ok };
    });
    // Over a real socket: Fastify's inject() cannot load under jest's ES module runtime.
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const post = (payload: object) =>
        fetch(`${address}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });

      const accepted = await post({ ...samples.answer, somethingNew: { nested: true } });
      const missing = await post({ eventType: 'answer' });
      const empty = await post({ ...samples.answer, callId: '' });
      const tooLong = await post({ ...samples.answer, callId: 'c-'.padEnd(300, 'x') });

      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ ok: true });
      expect([missing.status, empty.status, tooLong.status]).toEqual([400, 400, 400]);
    } finally {
      await app.close();
    }
  });
});
