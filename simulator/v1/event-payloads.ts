import type { AudioItem } from '../core/audio-channel.js';
import type { CallbackBody } from '../core/callback-attempt.js';
import type { EventContext } from '../core/call-format.js';
import type { SimCall } from '../core/sim-call.js';

/**
 * The callback bodies of v1 call events, with the documented field names. The call's own `tag`
 * travels on every call event except `playback`/`speak`, which carry the audio request's tag.
 */

export function answerEvent(call: SimCall, context: EventContext): CallbackBody {
  return {
    eventType: 'answer',
    from: call.from,
    to: call.to,
    callId: call.id,
    callUri: context.callUri,
    callState: 'active',
    time: context.time.toISOString(),
    tag: call.tag,
  };
}

export function playbackEvent(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody {
  return {
    eventType: 'playback',
    status,
    callId: call.id,
    callUri: context.callUri,
    tag: item.tag,
    time: context.time.toISOString(),
  };
}

export function speakEvent(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody {
  return {
    eventType: 'speak',
    status,
    state: status === 'started' ? 'PLAYBACK_START' : 'PLAYBACK_STOP',
    callId: call.id,
    callUri: context.callUri,
    tag: item.tag,
    time: context.time.toISOString(),
  };
}

export function hangupEvent(call: SimCall, cause: string, context: EventContext): CallbackBody {
  return {
    eventType: 'hangup',
    callId: call.id,
    callUri: context.callUri,
    from: call.from,
    to: call.to,
    cause,
    callState: 'completed',
    time: context.time.toISOString(),
    tag: call.tag,
  };
}

export function timeoutEvent(call: SimCall, context: EventContext): CallbackBody {
  return {
    eventType: 'timeout',
    from: call.from,
    to: call.to,
    callId: call.id,
    callUri: context.callUri,
    time: context.time.toISOString(),
    tag: call.tag,
  };
}

export function incomingCallEvent(call: SimCall, applicationId: string, context: EventContext): CallbackBody {
  return {
    eventType: 'incomingcall',
    from: call.from,
    to: call.to,
    callId: call.id,
    callUri: context.callUri,
    callState: 'active',
    applicationId,
    time: context.time.toISOString(),
  };
}

export function dtmfEvent(call: SimCall, digit: string, context: EventContext): CallbackBody {
  return {
    eventType: 'dtmf',
    callId: call.id,
    callUri: context.callUri,
    dtmfDigit: digit,
    time: context.time.toISOString(),
    tag: call.tag,
  };
}
