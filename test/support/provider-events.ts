import type { CallRecord } from '../../src/calls/call.js';
import type { CallSignal, ProviderEvent } from '../../src/calls/call-signal.js';

/** The call an event is about: our id travels as the tag, the provider's id as `callId`. */
export type EventCall = Pick<CallRecord, 'id' | 'providerCallId'>;

export type ProviderEvents = ReturnType<typeof providerEvents>;

let built = 0;

/**
 * Builders of provider events as the webhook adapter hands them to the domain, shaped like
 * Bandwidth v1's, happening (unless told otherwise) at the time `now` says. Each built event has
 * a dedupe key of its own: deliver the same object again for a redelivery.
 */
export function providerEvents(now: () => Date = () => new Date()) {
  return {
    incoming(providerCallId: string, from: string, to: string, at = now()): ProviderEvent {
      return providerEvent('incomingcall', providerCallId, undefined, { kind: 'incoming', from, to }, at, { from, to });
    },
    answer(call: EventCall, at = now()): ProviderEvent {
      return providerEvent('answer', providerIdOf(call), call.id, { kind: 'answered' }, at, { callState: 'active' });
    },
    playbackStarted(call: EventCall, playbackId: string, at = now()): ProviderEvent {
      return providerEvent('playback', providerIdOf(call), playbackId, { kind: 'playback-started' }, at, { status: 'started' });
    },
    playbackDone(call: EventCall, playbackId: string, at = now()): ProviderEvent {
      return providerEvent('playback', providerIdOf(call), playbackId, { kind: 'playback-done' }, at, { status: 'done' });
    },
    hangup(call: EventCall, cause = 'NORMAL_CLEARING', at = now()): ProviderEvent {
      return providerEvent('hangup', providerIdOf(call), call.id, { kind: 'ended', cause }, at, { cause, callState: 'completed' });
    },
    timeout(call: EventCall, at = now()): ProviderEvent {
      return providerEvent('timeout', providerIdOf(call), call.id, { kind: 'timed-out' }, at);
    },
    /** An event the domain records but does not act on. */
    dtmf(call: EventCall, digit = '5', at = now()): ProviderEvent {
      return providerEvent('dtmf', providerIdOf(call), call.id, { kind: 'informational' }, at, { dtmfDigit: digit });
    },
  };
}

function providerEvent(
  type: string,
  providerCallId: string,
  tag: string | undefined,
  signal: CallSignal,
  at: Date,
  fields: Record<string, unknown> = {},
): ProviderEvent {
  built += 1;
  const payload = { eventType: type, callId: providerCallId, tag, time: at.toISOString(), ...fields };
  return { type, providerCallId, tag, occurredAt: at, signal, payload, dedupeKey: `${type}-${built}` };
}

function providerIdOf(call: EventCall): string {
  if (!call.providerCallId) throw new Error(`call ${call.id} has no provider id yet`);
  return call.providerCallId;
}
