import { CallState, EventSource, isTerminal } from './call.js';
import type { CallMutation } from './call-mutation.js';
import { endingForHangupCause, moveCall } from './call-state-machine.js';
import type { ProviderCallStatus } from './voice-gateway.js';

/**
 * Records and applies the answer or hangup the provider's records show but no event told us, as
 * RECONCILED events. Returns whether it changed anything.
 */
export function applyProviderStatus(m: CallMutation, status: ProviderCallStatus): boolean {
  const reconciled = { source: EventSource.RECONCILED };
  let changed = false;
  if (status.state !== 'ringing' && status.answeredAt && !m.call.answeredAt && !isTerminal(m.call.state)) {
    m.record('answer', { reconciled: true, bandwidthCall: status.raw }, { ...reconciled, occurredAt: status.answeredAt });
    if (m.call.state === CallState.REQUESTED || m.call.state === CallState.UNCONFIRMED) moveCall(m.call, CallState.RINGING, m.now);
    changed = m.answer(status.answeredAt) || changed;
  }
  if (status.state === 'ended' && !isTerminal(m.call.state)) {
    const cause = status.hangupCause ?? 'NORMAL_CLEARING';
    const at = status.endedAt ?? m.now;
    m.record('hangup', { reconciled: true, cause, bandwidthCall: status.raw }, { ...reconciled, occurredAt: at });
    changed = m.end(endingForHangupCause(cause, m.call.answeredAt !== null), at, cause) || changed;
  }
  return changed;
}

/** What to conclude when the provider no longer knows a call we hold as live: it has ended. */
export function missingAtProvider(providerCallId: string, now: Date): ProviderCallStatus {
  return {
    providerCallId,
    state: 'ended',
    answeredAt: null,
    endedAt: now,
    hangupCause: 'CALL_NOT_FOUND',
    raw: { error: 'call-not-found' },
  };
}
