import type { AudioItem } from './audio-channel.js';
import type { CallbackBody } from './callback-attempt.js';
import type { SimCall } from './sim-call.js';

/** What every callback body needs besides the call: its absolute URI and when the event happened. */
export interface EventContext {
  callUri: string;
  time: Date;
}

/**
 * How an API version presents a call: the URI that names it, the resource its API returns and the
 * callbacks that announce its events. The engine decides what happens and when; this says how it
 * looks on the wire, so the engine stays the same for every API version.
 */
export interface CallFormat {
  /** Sent as `User-Agent` with every callback, like the platform's own. */
  readonly callbackUserAgent: string;
  /** The call's absolute URI, from the simulator's base URL (e.g. `http://127.0.0.1:4010`). */
  callUri(baseUrl: string, call: SimCall): string;
  /** The call resource as the API returns it; the control API's view of a call extends it. */
  view(call: SimCall, callUri: string): Record<string, unknown>;
  answer(call: SimCall, context: EventContext): CallbackBody;
  hangup(call: SimCall, cause: string, context: EventContext): CallbackBody;
  timeout(call: SimCall, context: EventContext): CallbackBody;
  incomingCall(call: SimCall, context: EventContext): CallbackBody;
  dtmf(call: SimCall, digit: string, context: EventContext): CallbackBody;
  playback(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody;
  speak(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody;
}
