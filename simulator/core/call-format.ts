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
 * looks on the wire, so the engine stays the same for every API version. An event method returns
 * undefined for an event the version does not announce (v2 has no `timeout`, `dtmf` or playback
 * callbacks).
 */
export interface CallFormat {
  /** Sent as `User-Agent` with every callback, like the platform's own. */
  readonly callbackUserAgent: string;
  /** Ids in the version's own shape; the v1 shape when absent. */
  newCallId?(): string;
  /** The call's absolute URI, from the simulator's base URL (e.g. `http://127.0.0.1:4010`). */
  callUri(baseUrl: string, call: SimCall): string;
  /** The call resource as the API returns it; the control API's view of a call extends it. */
  view(call: SimCall, callUri: string): Record<string, unknown>;
  answer(call: SimCall, context: EventContext): CallbackBody | undefined;
  hangup(call: SimCall, cause: string, context: EventContext): CallbackBody | undefined;
  timeout(call: SimCall, context: EventContext): CallbackBody | undefined;
  incomingCall(call: SimCall, context: EventContext): CallbackBody | undefined;
  dtmf(call: SimCall, digit: string, context: EventContext): CallbackBody | undefined;
  playback(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody | undefined;
  speak(call: SimCall, item: AudioItem, status: 'started' | 'done', context: EventContext): CallbackBody | undefined;
  /**
   * Delivers an event itself instead of the engine sending it to the call's `callbackUrl`: v2 sends
   * each event to its own URL, with its own credentials, and acts on the BXML a webhook answers.
   * Resolves once the delivery is over, like the engine's own.
   */
  announce?(call: SimCall, body: CallbackBody): Promise<unknown>;
  /** What the control API shows of the call beyond its API view (v2: the BXML it executed). */
  controlView?(call: SimCall): Record<string, unknown>;
}
