import type { AudioItem } from './audio-channel.js';
import { withoutCredentials } from './callback-url.js';
import type { SimCall } from './sim-call.js';

/** v1 bills whole minutes, which is why its examples only show multiples of 60. */
function chargeableDuration(call: SimCall): number {
  if (!call.activeTime) return 0;
  const end = call.endTime ?? new Date();
  const activeMs = Math.max(1, end.getTime() - call.activeTime.getTime());
  return Math.ceil(activeMs / 60_000) * 60;
}

function optionalUrl(value: string | undefined): string | undefined {
  return value === undefined ? undefined : withoutCredentials(value);
}

/** The call resource as `GET /v1/users/{userId}/calls/{callId}` returns it; URLs lose their credentials. */
export function apiCallView(call: SimCall, callUri: string): Record<string, unknown> {
  return {
    id: call.id,
    direction: call.direction,
    from: call.from,
    to: call.to,
    state: call.state,
    startTime: call.startTime.toISOString(),
    activeTime: call.activeTime?.toISOString(),
    endTime: call.endTime?.toISOString(),
    callTimeout: call.callTimeout,
    callbackUrl: optionalUrl(call.callbackUrl),
    callbackHttpMethod: call.callbackHttpMethod,
    callbackTimeout: call.callbackTimeout,
    fallbackUrl: optionalUrl(call.fallbackUrl),
    chargeableDuration: chargeableDuration(call),
    tag: call.tag,
    events: `${callUri}/events`,
    recordings: `${callUri}/recordings`,
    transcriptions: `${callUri}/transcriptions`,
  };
}

function audioView(item: AudioItem | undefined): Record<string, unknown> | undefined {
  return item && { source: item.source, tag: item.tag, loop: item.loop, durationMs: item.durationMs };
}

/** Everything the simulator knows about a call, for `GET /control/calls`. */
export function controlCallView(call: SimCall, callUri: string): Record<string, unknown> {
  return {
    ...apiCallView(call, callUri),
    callUri,
    endCause: call.endCause,
    log: call.log,
    audioRequests: call.audioRequests,
    audio: {
      playing: audioView(call.playback.playing),
      queued: call.playback.queued.map(audioView),
      speaking: audioView(call.speech.playing),
      queuedSentences: call.speech.queued.map(audioView),
    },
    callbackAttempts: call.callbacks.attempts.length,
    /** Only while the call's callbacks are held: how many wait for a release. */
    heldCallbacks: call.callbacks.holding ? call.callbacks.heldCallbacks.length : undefined,
  };
}
