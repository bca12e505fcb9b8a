import { CallState } from './call.js';
import type { DialResult } from './call-dialer.js';
import { moveCall } from './call-state-machine.js';
import type { DomainLogger } from './domain-logger.js';
import { OutboxStatus, type OutboxItem } from './outbox.js';
import { describeError, providerErrorPayload } from './provider-failure.js';
import { applyProviderStatus } from './provider-status.js';
import type { UnitOfWork } from './unit-of-work.js';
import { ProviderError, type ProviderCallStatus, type VoiceGateway } from './voice-gateway.js';

/** How long to hold every outbound call back after Bandwidth answers `call-rate-limit`. */
const RATE_LIMIT_PAUSE_MS = 2000;
/** Dial attempts whose outcome stayed unknown before a call is given up as failed. */
const MAX_DIAL_ATTEMPTS = 4;

export interface OutboundDialOptions {
  work: UnitOfWork;
  gateway: VoiceGateway;
  /** The URL the provider sends the call's events to; read at each dial (see CallServiceOptions). */
  callbackUrl: () => string;
  logger: DomainLogger;
}

/**
 * Places a queued outbound call with the provider, exactly once: an attempt whose predecessor may
 * have reached the provider first looks the call up by its tag instead of dialling again.
 */
export class OutboundDial {
  constructor(private readonly options: OutboundDialOptions) {}

  /** One attempt at placing the call an outbox `create` entry stands for. */
  async dial(item: OutboxItem): Promise<DialResult> {
    const { work } = this.options;
    const effect = item.effect;
    if (effect.kind !== 'create') return { kind: 'done' };
    let proceed = false;
    await work.commit(async (tx) => {
      const m = await work.open(tx, effect.callId);
      if (m?.call.providerCallId) {
        // Its events got here first (they carry our tag): an earlier attempt did place the call.
        m.finishRequest(item.id, OutboxStatus.DONE);
        m.record('call.dialed', { bandwidthCallId: m.call.providerCallId, reconciled: true }, { applied: false });
        return m;
      }
      if (!m || (m.call.state !== CallState.QUEUED && m.call.state !== CallState.REQUESTED)) {
        await tx.finishOutbox(item.id, OutboxStatus.CANCELLED, null, work.clock());
        return undefined;
      }
      if (!(await tx.startOutboxAttempt(item.id, work.lease(m.now), m.now))) return undefined;
      proceed = true;
      moveCall(m.call, CallState.REQUESTED, m.now);
      m.record('call.dialing', { attempt: item.attempts + 1 });
      return m;
    });
    if (!proceed) return { kind: 'done' };
    item.attempts += 1;

    if (item.attempts > 1) {
      const found = await this.findDialled(effect.callId, effect.to);
      if (found === 'unknown') return this.retry(item, 'the outcome of an earlier attempt is still unknown');
      if (found) return this.adopt(item, found);
    }
    try {
      const { providerCallId } = await this.options.gateway.forCall(item.callId).createCall({
        from: effect.from,
        to: effect.to,
        callTimeoutSeconds: effect.callTimeoutSeconds ?? undefined,
        callbackUrl: this.options.callbackUrl(),
        tag: effect.callId,
      });
      await work.change(effect.callId, (m) => {
        m.finishRequest(item.id, OutboxStatus.DONE);
        // An early `answer` may have filled these in already; the create response must not undo it.
        m.call.providerCallId ??= providerCallId;
        const ringing = moveCall(m.call, CallState.RINGING, m.now);
        m.record('call.dialed', { bandwidthCallId: providerCallId }, { applied: ringing });
        m.playNext();
      });
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.code === 'call-rate-limit') {
        const notBefore = new Date(work.clock().getTime() + RATE_LIMIT_PAUSE_MS);
        await work.change(effect.callId, (m) => {
          m.record('call.rate_limited', { message: error.message, retryAt: notBefore.toISOString() });
          moveCall(m.call, CallState.QUEUED, m.now);
          m.deferRequest(item.id, notBefore);
        });
        // Nothing reached the phone network: this attempt does not count towards the unknown-outcome limit.
        item.attempts = 0;
        return { kind: 'retry', notBefore, pauseMs: RATE_LIMIT_PAUSE_MS };
      }
      if (error.mayHaveTakenEffect) {
        await work.change(effect.callId, (m) => m.record('call.dial_outcome_unknown', providerErrorPayload(error)));
        // Bounded like a failed lookup: a create that keeps timing out while the provider knows no
        // such call would otherwise be dialled again without end.
        if (item.attempts >= MAX_DIAL_ATTEMPTS) return this.retry(item, 'the outcome of every attempt is unknown');
        return this.dial(item);
      }
      await work.change(effect.callId, (m) => {
        m.finishRequest(item.id, OutboxStatus.FAILED, error.code);
        m.record('call.failed', providerErrorPayload(error));
        m.failWithProviderError(error.code, m.now);
      });
      return { kind: 'done', error };
    }
  }

  /** The call as the provider knows it, found by our tag; 'unknown' when the provider cannot say. */
  private async findDialled(callId: string, to: string): Promise<ProviderCallStatus | null | 'unknown'> {
    try {
      return await this.options.gateway.forCall(callId).findCallByTag(callId, to);
    } catch (error) {
      this.options.logger.warn({ callId, err: describeError(error) }, 'could not look up a call whose creation is uncertain');
      return 'unknown';
    }
  }

  /** Takes over a call an earlier attempt did place, as the provider's records show it. */
  private async adopt(item: OutboxItem, status: ProviderCallStatus): Promise<DialResult> {
    await this.options.work.change(item.callId, (m) => {
      m.finishRequest(item.id, OutboxStatus.DONE);
      m.call.providerCallId ??= status.providerCallId;
      m.touchCall();
      const ringing = moveCall(m.call, CallState.RINGING, m.now);
      m.record('call.dialed', { bandwidthCallId: status.providerCallId, reconciled: true }, { applied: ringing });
      applyProviderStatus(m, status);
      m.playNext();
    });
    return { kind: 'done' };
  }

  private async retry(item: OutboxItem, reason: string): Promise<DialResult> {
    const { work } = this.options;
    if (item.attempts >= MAX_DIAL_ATTEMPTS) {
      await work.change(item.callId, (m) => {
        m.finishRequest(item.id, OutboxStatus.FAILED, reason);
        m.record('call.failed', { code: 'dial-outcome-unknown', message: reason, attempts: item.attempts });
        m.failWithProviderError('dial-outcome-unknown', m.now);
      });
      return { kind: 'done' };
    }
    const notBefore = new Date(work.clock().getTime() + 500 * 2 ** item.attempts);
    await work.change(item.callId, (m) => m.deferRequest(item.id, notBefore));
    return { kind: 'retry', notBefore };
  }
}
