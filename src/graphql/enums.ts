import { registerEnumType } from 'type-graphql';
import { CallDirection, CallState, EndReason, EventSource, PlaybackStatus } from '../calls/call.js';

registerEnumType(CallState, {
  name: 'CallState',
  description: 'Where a call is in its life: QUEUED → REQUESTED (→ UNCONFIRMED) → RINGING → ACTIVE → COMPLETED, or FAILED.',
  valuesConfig: {
    QUEUED: { description: 'Stored and waiting for its turn under the outbound call rate limit (OUTBOUND_CALLS_PER_SECOND).' },
    REQUESTED: { description: 'Being placed: sent to Bandwidth, not accepted yet.' },
    UNCONFIRMED: {
      description:
        'Sent, but Bandwidth could not say whether it placed the call (an error, a timeout or a lost connection): it may be ringing. Never dialled again until its webhooks or records settle it; dialled again only once the ring timeout plus UNCONFIRMED_DIAL_MARGIN_MS has passed with no sign of it.',
    },
    RINGING: { description: 'Bandwidth accepted (outbound) or announced (inbound) the call; not answered yet.' },
    ACTIVE: { description: 'Answered; queued audio plays.' },
    COMPLETED: { description: 'Ended normally: hung up after the answer, or cancelled before it.' },
    FAILED: { description: 'Never connected (busy, no answer, rejected, unreachable), ended by an error (before or after the answer), or Bandwidth refused it.' },
  },
});

registerEnumType(CallDirection, { name: 'CallDirection' });

registerEnumType(EndReason, {
  name: 'EndReason',
  description: 'Why a call ended.',
  valuesConfig: {
    HANGUP: { description: 'Either side hung up after the answer.' },
    CANCELLED: { description: 'Ended before the answer by the caller (for outbound calls: by this API).' },
    BUSY: { description: 'The far end was busy.' },
    NO_ANSWER: { description: 'Nobody answered within the call timeout.' },
    REJECTED: { description: 'The far end rejected the call.' },
    UNREACHABLE: { description: 'The number does not exist or cannot be reached.' },
    ERROR: {
      description:
        'Bandwidth ended the call with an error, before or after the answer (v2: callback-error, invalid-bxml, application-error, account-limit, node-capacity-exceeded, error, unknown; v1: any cause not listed above); see hangupCause.',
    },
    BANDWIDTH_ERROR: { description: 'Bandwidth refused the request; hangupCause holds its error code.' },
  },
});

registerEnumType(PlaybackStatus, {
  name: 'PlaybackStatus',
  valuesConfig: {
    QUEUED: { description: 'Waiting for the call to be answered or for the files before it.' },
    PLAYING: { description: 'Requested from Bandwidth and playing (startedAt is set once Bandwidth confirms).' },
    DONE: { description: 'Played to the end.' },
    STOPPED: { description: 'Cut off by stopAudio, an interrupting file, or the call ending.' },
    CANCELLED: { description: 'Never played: cleared by stopAudio or the call ending.' },
    FAILED: { description: 'Bandwidth could not play it; see error.' },
  },
});

registerEnumType(EventSource, {
  name: 'EventSource',
  valuesConfig: {
    BANDWIDTH: { description: 'Delivered by Bandwidth to the webhook; type is its eventType.' },
    SERVICE: { description: 'Recorded by this service (call.requested, playback.queued, …).' },
    RECONCILED: {
      description: 'Synthesised from Bandwidth’s records (GET /calls) because Bandwidth’s own event never arrived.',
    },
  },
});
