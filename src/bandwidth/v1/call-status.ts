import type { ProviderCallStatus } from '../../calls/voice-gateway.js';
import type { BandwidthCall, BandwidthCallEvent } from './wire-types.js';

/**
 * Bandwidth's view of a call in the domain's terms. The hangup cause is not on the call
 * resource; Bandwidth's own event log (`GET /calls/{id}/events`) has it as the `hangup` entry's
 * data, so it is read from there when the call has ended.
 */
export function toProviderCallStatus(call: BandwidthCall, events: readonly BandwidthCallEvent[] = []): ProviderCallStatus {
  const ended = call.state === 'completed' || call.state === 'rejected';
  const hangup = events.findLast((event) => event.name === 'hangup');
  const hangupCause = typeof hangup?.data === 'string' && hangup.data ? hangup.data : call.state === 'rejected' ? 'CALL_REJECTED' : null;
  return {
    providerCallId: call.id,
    state: ended ? 'ended' : call.state === 'active' || call.state === 'transferring' ? 'active' : 'ringing',
    answeredAt: date(call.activeTime),
    endedAt: date(call.endTime),
    hangupCause: ended ? hangupCause : null,
    raw: { ...call } as Record<string, unknown>,
  };
}

function date(value: string | undefined): Date | null {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
