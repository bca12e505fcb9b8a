import type { ProviderCallStatus } from '../../calls/voice-gateway.js';
import type { V2CallState } from './wire-schemas.js';

/**
 * A v2 call state in the domain's terms. `queued` and `initiated` are before the answer, so they
 * read as ringing; states Bandwidth may add later read as ringing too, the state that changes
 * nothing the domain would not learn again from the call's next webhook.
 */
export function toProviderCallStatus(call: V2CallState): ProviderCallStatus {
  const state = call.state === 'disconnected' ? 'ended' : call.state === 'answered' ? 'active' : 'ringing';
  return {
    providerCallId: call.callId,
    state,
    answeredAt: date(call.answerTime),
    endedAt: date(call.endTime),
    hangupCause: state === 'ended' ? (call.disconnectCause ?? null) : null,
    raw: { ...call } as Record<string, unknown>,
  };
}

function date(value: string | undefined): Date | null {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
