import { CallState, type CallRecord } from './call.js';
import type { DialResult } from './call-dialer.js';
import type { CallMutation } from './call-mutation.js';
import { moveCall } from './call-state-machine.js';
import type { DomainLogger } from './domain-logger.js';
import { OutboxStatus, type Effect, type OutboxItem } from './outbox.js';
import { describeError, providerErrorPayload } from './provider-failure.js';
import { applyProviderStatus } from './provider-status.js';
import type { UnitOfWork, Work } from './unit-of-work.js';
import { ProviderError, type ProviderCallStatus, type VoiceGateway } from './voice-gateway.js';

/** What a dial attempt's transaction decided: send the create, confirm an earlier attempt first, or nothing. */
type DialStep = { step: 'create' } | { step: 'confirm'; unconfirmed: CallRecord } | { step: 'none' };

/** How long to hold every outbound call back after Bandwidth answers `call-rate-limit`. */
const RATE_LIMIT_PAUSE_MS = 2000;
/** Create requests whose outcome stayed unknown before a call is given up as failed. */
const MAX_UNCONFIRMED_CREATES = 3;
/** The provider's records are looked at again after this long at first, doubling up to the maximum. */
const FIRST_LOOKUP_INTERVAL_MS = 1000;
const MAX_LOOKUP_INTERVAL_MS = 15_000;
/** Outcome code of a call given up because whether it was placed stayed unknown. */
const DIAL_OUTCOME_UNKNOWN = 'dial-outcome-unknown';

type CreateEffect = Extract<Effect, { kind: 'create' }>;

export interface OutboundDialOptions {
  work: UnitOfWork;
  gateway: VoiceGateway;
  /** The URL the provider sends the call's events to; read at each dial (see CallServiceOptions). */
  callbackUrl: () => string;
  logger: DomainLogger;
  /** How long past a call's ring timeout an unconfirmed dial waits to be settled (see CallServiceOptions). */
  unconfirmedDialMarginMs: number;
}

/** What the log says of a call's creates whose outcome is unknown. */
interface Uncertainty {
  /** When the first of them was sent: the provider's record of it is no older. */
  since: Date;
  /** When the last of them is taken as never placed, if nothing has shown it was. */
  settleBy: Date;
  creates: number;
}

/**
 * Places a queued outbound call with the provider, exactly once. A create whose outcome is unknown
 * (a 5xx, a timeout, a connection lost after sending, an instance that died mid-send) leaves the
 * call UNCONFIRMED, and it is never sent again while the call may exist: an event carrying our tag
 * settles it at once; otherwise the provider's records are looked at, at growing intervals, until
 * the call's ring timeout plus a margin has passed since. A call that never rang by then, and that
 * the records do not show, was not placed: it is dialled again. One the records cannot rule out is
 * given up, for it may have rung.
 */
export class OutboundDial {
  constructor(private readonly options: OutboundDialOptions) {}

  /** One attempt at placing the call an outbox `create` entry stands for. */
  async dial(item: OutboxItem): Promise<DialResult> {
    const { work } = this.options;
    const effect = item.effect;
    if (effect.kind !== 'create') return { kind: 'done' };
    const { value: next } = await work.commit(async (tx): Promise<Work<DialStep>> => {
      const m = await work.open(tx, effect.callId);
      if (m?.call.providerCallId) {
        settledByEvents(m, item);
        return { mutation: m, value: { step: 'none' } };
      }
      const state = m?.call.state;
      if (!m || (state !== CallState.QUEUED && state !== CallState.REQUESTED && state !== CallState.UNCONFIRMED)) {
        await tx.finishOutbox(item.id, OutboxStatus.CANCELLED, null, work.clock());
        return { value: { step: 'none' } };
      }
      if (!(await tx.startOutboxAttempt(item.id, work.lease(m.now), m.now))) return { value: { step: 'none' } };
      if (state === CallState.UNCONFIRMED) return { value: { step: 'confirm', unconfirmed: m.call } };
      if (state === CallState.REQUESTED) {
        // An earlier attempt started and never finished (an instance that died mid-send, or our
        // store failing as the answer came back): whether it reached the provider is unknown.
        this.holdUnconfirmed(m, effect, m.call.updatedAt, { code: 'attempt-interrupted', message: 'an earlier attempt never finished' });
        return { mutation: m, value: { step: 'confirm', unconfirmed: m.call } };
      }
      moveCall(m.call, CallState.REQUESTED, m.now);
      m.record('call.dialing', { attempt: item.attempts + 1 });
      return { mutation: m, value: { step: 'create' } };
    });
    item.attempts += 1;
    if (next.step === 'create') return this.create(item, effect);
    if (next.step === 'confirm') return this.confirm(item, effect, next.unconfirmed);
    return { kind: 'done' };
  }

  /** Sends the create request: the call is REQUESTED, and no earlier attempt of it may have been placed. */
  private async create(item: OutboxItem, effect: CreateEffect): Promise<DialResult> {
    const { work } = this.options;
    const sentAt = work.clock();
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
        return { kind: 'retry', notBefore, pauseMs: RATE_LIMIT_PAUSE_MS };
      }
      if (error.mayHaveTakenEffect) {
        const call = await work.change(effect.callId, (m) => this.holdUnconfirmed(m, effect, sentAt, providerErrorPayload(error)));
        return this.confirm(item, effect, call);
      }
      await work.change(effect.callId, (m) => {
        m.finishRequest(item.id, OutboxStatus.FAILED, error.code);
        m.record('call.failed', providerErrorPayload(error));
        m.failWithProviderError(error.code, m.now);
      });
      return { kind: 'done', error };
    }
  }

  /**
   * Marks the call UNCONFIRMED after a create whose outcome is unknown, and logs until when it
   * waits to be settled: the ring timeout, after which the provider ends a call nobody answered,
   * plus the margin for its records and events to arrive.
   */
  private holdUnconfirmed(m: CallMutation, effect: CreateEffect, sentAt: Date, cause: Record<string, unknown>): void {
    if (!moveCall(m.call, CallState.UNCONFIRMED, m.now)) return;
    const ringSeconds = effect.callTimeoutSeconds ?? this.options.gateway.defaultCallTimeoutSeconds;
    const settleBy = new Date(sentAt.getTime() + ringSeconds * 1000 + this.options.unconfirmedDialMarginMs);
    m.record('call.dial_outcome_unknown', { ...cause, sentAt: sentAt.toISOString(), settleBy: settleBy.toISOString() });
  }

  /** Settles an UNCONFIRMED call (`call`, as just committed) from the provider's records, or waits to look again. */
  private async confirm(item: OutboxItem, effect: CreateEffect, call: CallRecord): Promise<DialResult> {
    const { work } = this.options;
    if (call.state !== CallState.UNCONFIRMED || call.providerCallId) {
      // Settled meanwhile (an event with our tag, or the call was ended): the next attempt tidies up.
      return { kind: 'retry', notBefore: work.clock() };
    }
    const uncertainty = await this.uncertainty(effect.callId, call.updatedAt);
    const found = await this.findDialled(effect, uncertainty.since);
    if (found !== null && found !== 'unknown') return this.adopt(item, found);
    const now = work.clock();
    if (now < uncertainty.settleBy) {
      const sinceMs = now.getTime() - uncertainty.since.getTime();
      const intervalMs = Math.min(MAX_LOOKUP_INTERVAL_MS, Math.max(FIRST_LOOKUP_INTERVAL_MS, sinceMs));
      const notBefore = new Date(Math.min(uncertainty.settleBy.getTime(), now.getTime() + intervalMs));
      await work.change(effect.callId, (m) => m.deferRequest(item.id, notBefore));
      return { kind: 'retry', notBefore };
    }
    if (found === 'unknown') {
      return this.giveUp(item, 'the provider could not tell whether it placed the call, and a second one could ring the same phone', uncertainty);
    }
    if (uncertainty.creates >= MAX_UNCONFIRMED_CREATES) {
      return this.giveUp(item, `the outcome of ${uncertainty.creates} create requests stayed unknown`, uncertainty);
    }
    // Nothing rang within the ring timeout and the records show no such call: it was never placed.
    let again = false;
    await work.change(effect.callId, (m) => {
      if (m.call.providerCallId || !moveCall(m.call, CallState.REQUESTED, m.now)) return;
      m.record('call.dialing', { attempt: uncertainty.creates + 1, previousAttempt: 'not placed' });
      again = true;
    });
    return again ? this.create(item, effect) : { kind: 'retry', notBefore: work.clock() };
  }

  /** When the call's first unknown create was sent, until when its last waits, and how many there were. */
  private async uncertainty(callId: string, fallback: Date): Promise<Uncertainty> {
    const log = await this.options.work.store.listEvents(callId, 0, 1000);
    const unknown = log.filter((event) => event.type === 'call.dial_outcome_unknown');
    const time = (value: unknown): Date => (typeof value === 'string' ? new Date(value) : fallback);
    return {
      since: time(unknown[0]?.payload.sentAt),
      settleBy: time(unknown.at(-1)?.payload.settleBy),
      creates: unknown.length,
    };
  }

  /** The call as the provider knows it, found by our tag; 'unknown' when the provider cannot say. */
  private async findDialled(effect: CreateEffect, since: Date): Promise<ProviderCallStatus | null | 'unknown'> {
    try {
      return await this.options.gateway.forCall(effect.callId).findCallByTag(effect.callId, { from: effect.from, to: effect.to, since });
    } catch (error) {
      this.options.logger.warn({ callId: effect.callId, err: describeError(error) }, 'could not tell whether an unconfirmed call was placed');
      return 'unknown';
    }
  }

  /** Takes over a call an earlier attempt did place, as the provider's records show it. */
  private async adopt(item: OutboxItem, status: ProviderCallStatus): Promise<DialResult> {
    await this.options.work.change(item.callId, (m) => {
      if (m.call.providerCallId) return settledByEvents(m, item);
      m.finishRequest(item.id, OutboxStatus.DONE);
      m.call.providerCallId = status.providerCallId;
      m.touchCall();
      const ringing = moveCall(m.call, CallState.RINGING, m.now);
      m.record('call.dialed', { bandwidthCallId: status.providerCallId, reconciled: true }, { applied: ringing });
      applyProviderStatus(m, status);
      m.playNext();
    });
    return { kind: 'done' };
  }

  private async giveUp(item: OutboxItem, reason: string, uncertainty: Uncertainty): Promise<DialResult> {
    await this.options.work.change(item.callId, (m) => {
      m.finishRequest(item.id, OutboxStatus.FAILED, reason);
      m.record('call.failed', { code: DIAL_OUTCOME_UNKNOWN, message: reason, creates: uncertainty.creates, since: uncertainty.since.toISOString() });
      m.failWithProviderError(DIAL_OUTCOME_UNKNOWN, m.now);
    });
    return { kind: 'done' };
  }
}

/** Finishes the create of a call whose own events told us the provider placed it (they carry our tag). */
function settledByEvents(m: CallMutation, item: OutboxItem): void {
  m.finishRequest(item.id, OutboxStatus.DONE);
  m.record('call.dialed', { bandwidthCallId: m.call.providerCallId, reconciled: true }, { applied: false });
}
