import type { AudioItem } from './audio-channel.js';
import type { SimCall } from './sim-call.js';

function audioView(item: AudioItem | undefined): Record<string, unknown> | undefined {
  return item && { source: item.source, tag: item.tag, loop: item.loop, durationMs: item.durationMs };
}

/**
 * Everything the simulator knows about a call, for `GET /control/calls`: the call as its API shows
 * it (`apiView`), plus what only the simulator knows.
 */
export function controlCallView(call: SimCall, callUri: string, apiView: Record<string, unknown>): Record<string, unknown> {
  return {
    ...apiView,
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
    ...call.format.controlView?.(call),
  };
}
