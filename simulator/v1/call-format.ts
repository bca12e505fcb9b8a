import type { CallFormat } from '../core/call-format.js';
import { apiCallView } from './call-view.js';
import {
  answerEvent,
  dtmfEvent,
  hangupEvent,
  incomingCallEvent,
  playbackEvent,
  speakEvent,
  timeoutEvent,
} from './event-payloads.js';

/** Sent on every callback, like the platform's `BandwidthAPI/v1 ({build})`. */
const CALLBACK_USER_AGENT = 'BandwidthAPI/v1 (simulator)';

/**
 * How v1 presents a call: under its user (`/v1/users/{userId}/calls/{callId}`), with v1's call
 * resource and event bodies. `applicationId` names the application incoming calls arrive through.
 */
export function v1CallFormat(ids: { userId: string; applicationId: string }): CallFormat {
  return {
    callbackUserAgent: CALLBACK_USER_AGENT,
    callUri: (baseUrl, call) => `${baseUrl}/v1/users/${ids.userId}/calls/${call.id}`,
    view: apiCallView,
    answer: answerEvent,
    hangup: hangupEvent,
    timeout: timeoutEvent,
    incomingCall: (call, context) => incomingCallEvent(call, ids.applicationId, context),
    dtmf: dtmfEvent,
    playback: playbackEvent,
    speak: speakEvent,
  };
}
