import { CallState, PlaybackStatus } from './call.js';
import { CallDialer } from './call-dialer.js';
import { endingForHangupCause } from './call-state-machine.js';
import type { DomainLogger } from './domain-logger.js';
import { EffectRunner, type EffectOutcome } from './effect-runner.js';
import { waitAfterFailures } from './failure-backoff.js';
import { OutboundDial } from './outbound-dial.js';
import { OutboxStatus, type OutboxItem } from './outbox.js';
import { describeError, providerErrorPayload } from './provider-failure.js';
import type { UnitOfWork } from './unit-of-work.js';
import { ProviderError, type VoiceGateway } from './voice-gateway.js';

const OK: EffectOutcome = { ok: true };

export interface OutboxDeliveryOptions {
  work: UnitOfWork;
  gateway: VoiceGateway;
  callbackUrl: () => string;
  logger: DomainLogger;
  callsPerSecond: number;
  /** How long an outbox entry stays leased; a sweep runs every half of it. */
  leaseMs: number;
  /** Outbox entries claimed per query by a sweep. */
  sweepPage: number;
  /** How long past a call's ring timeout an unconfirmed dial waits to be settled. */
  unconfirmedDialMarginMs: number;
}

/**
 * Sends the provider requests the outbox holds and applies what each outcome means: dials through
 * the paced dialer, everything else through a per-call queue in decision order. Entries left by a
 * restart or by an instance that died are taken over by the sweep.
 */
export class OutboxDelivery {
  private readonly work: UnitOfWork;
  private readonly logger: DomainLogger;
  private readonly runner: EffectRunner;
  private readonly dialer: CallDialer;
  /** Outbox entries this instance is sending or has queued, so a sweep never dispatches one twice. */
  private readonly inFlight = new Set<number>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Requests whose attempt failed on our side, each waiting out its back-off. */
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: OutboxDeliveryOptions) {
    this.work = options.work;
    this.logger = options.logger;
    this.runner = new EffectRunner((item, attemptStarted) => this.perform(item, attemptStarted), options.logger);
    const outbound = new OutboundDial(options);
    this.dialer = new CallDialer({
      callsPerSecond: options.callsPerSecond,
      dial: (item) => outbound.dial(item),
      logger: options.logger,
    });
  }

  /**
   * Sends what the outbox still holds — requests decided before a restart, or by an instance that
   * died — and keeps looking for such entries every half lease.
   */
  async resume(): Promise<number> {
    const resumed = await this.sweep();
    if (resumed > 0) this.logger.info({ resumed }, 'resuming provider requests from the outbox');
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.error({ err: describeError(error) }, 'outbox sweep failed'));
    }, Math.max(100, this.options.leaseMs / 2));
    this.sweeper.unref();
    return resumed;
  }

  /**
   * Sends one entry a committed change wrote; resolves with how its first attempt went.
   * `attemptStarted`: that attempt was recorded with the entry, under a lease of ours.
   */
  dispatch(item: OutboxItem, attemptStarted = false): Promise<EffectOutcome> {
    this.inFlight.add(item.id);
    const settled = (): void => void this.inFlight.delete(item.id);
    if (item.effect.kind !== 'create') {
      const outcome = this.runner.enqueue(item, attemptStarted);
      void outcome.then((result) => this.againIfUnfinished(item, result, 1, settled));
      return outcome;
    }
    const { immediate, firstAttempt, finished } = this.dialer.submit(item);
    void finished.finally(settled);
    // A call that must wait for its turn is answered at once as QUEUED; otherwise the caller
    // learns how the dial went (RINGING, or Bandwidth's refusal).
    if (!immediate) return Promise.resolve(OK);
    return firstAttempt.then((result) => (result.kind === 'done' && result.error ? { ok: false, error: result.error } : OK));
  }

  /** Waits until every provider request already decided has been made. */
  async idle(): Promise<void> {
    await this.dialer.idle();
    await this.runner.idle();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.dialer.stop();
    // Their entries stay pending: the next start's sweep sends them.
    for (const retry of this.retries) clearTimeout(retry);
    this.retries.clear();
  }

  /**
   * Makes an attempt that failed on our side again after a back-off, as the next sweep would but
   * sooner; as a later attempt, a play is first checked against what the provider reported.
   */
  private againIfUnfinished(item: OutboxItem, result: EffectOutcome, failures: number, settled: () => void): void {
    if (result.ok || !result.unfinished || this.stopped) return settled();
    const retry = setTimeout(() => {
      this.retries.delete(retry);
      const again = { ...item, attempts: item.attempts + 1 };
      void this.runner.enqueue(again).then((next) => this.againIfUnfinished(again, next, failures + 1, settled));
    }, waitAfterFailures(failures));
    this.retries.add(retry);
  }

  private async sweep(): Promise<number> {
    let claimed = 0;
    // Pages follow the id: the claim also renews this instance's own leases, so without the cursor
    // a page of entries of ours still pending (calls queued under the dial rate) came back as the
    // first page every time, and the sweep never ended.
    let afterId = 0;
    for (;;) {
      const items = await this.work.store.claimOutbox(this.work.lease(), this.work.clock(), this.options.sweepPage, afterId);
      const fresh = items.filter((item) => !this.inFlight.has(item.id));
      for (const item of fresh) void this.dispatch(item);
      claimed += fresh.length;
      if (items.length < this.options.sweepPage) return claimed;
      afterId = items.at(-1)!.id;
    }
  }

  /** Sends one outbox entry (other than a dial) and applies what its outcome means. */
  private async perform(item: OutboxItem, attemptStarted: boolean): Promise<EffectOutcome> {
    const { effect } = item;
    // The attempt recorded with the entry stands while the lease written with it is young: no other
    // instance may take the entry before it runs out. One that waited long behind its call's
    // earlier requests is checked as any other.
    const ours = attemptStarted && this.work.clock().getTime() - item.createdAt.getTime() < this.options.leaseMs / 2;
    if (!ours) {
      // An earlier attempt (ours before a restart, or an instance that died mid-send) may have reached
      // the provider: a play it already reported started, or that the queue has moved past, is not sent again.
      if (effect.kind === 'play' && item.attempts > 0 && (await this.playSettled(item, effect.playbackId))) return OK;
      // Another instance took this entry over (ours looked dead): it sends, not us.
      const startedAt = this.work.clock();
      if (!(await this.work.store.transaction((tx) => tx.startOutboxAttempt(item.id, this.work.lease(startedAt), startedAt)))) return OK;
    }
    const gateway = this.options.gateway.forCall(item.callId);
    try {
      switch (effect.kind) {
        case 'play':
          await gateway.playAudio(effect.providerCallId, { fileUrl: effect.fileUrl, loop: effect.loop, tag: effect.playbackId });
          break;
        case 'stop':
          await gateway.stopAudio(effect.providerCallId);
          break;
        case 'hangup':
          await gateway.hangUp(effect.providerCallId);
          break;
        case 'answer':
          await gateway.answer(effect.providerCallId);
          break;
        case 'create':
          throw new Error('calls are placed by the dialer');
      }
    } catch (error) {
      return this.afterFailure(item, error);
    }
    await this.work.change(item.callId, (m) => {
      m.finishRequest(item.id, OutboxStatus.DONE);
      if (effect.kind === 'play' && !gateway.reportsPlaybackStart) {
        const playback = m.playback(effect.playbackId);
        if (playback) m.markStarted(playback, m.now);
      }
      // Bandwidth's own event may have got here first and done the same; the log keeps both.
      if (effect.kind === 'hangup') {
        const wasAnswered = m.call.state === CallState.ACTIVE;
        const logged = m.record('call.hung_up', { by: 'api' });
        const ending = endingForHangupCause(wasAnswered ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL', wasAnswered);
        logged.applied = m.end(ending, m.now, null);
      }
      if (effect.kind === 'answer') {
        const logged = m.record('call.answered', { by: 'api' });
        logged.applied = m.call.state === CallState.RINGING && m.answer(m.now);
      }
    });
    return OK;
  }

  /**
   * Whether a play request that an earlier attempt may have sent needs sending no more: the provider
   * reported the file started (so that attempt took effect), or the playback is no longer playing
   * (it ended, was stopped or cancelled). Then the entry is finished here: sending it again would
   * restart a file that has already played, over the one playing now.
   */
  private async playSettled(item: OutboxItem, playbackId: string): Promise<boolean> {
    const { value: settled } = await this.work.commit(async (tx) => {
      const m = await this.work.open(tx, item.callId);
      if (!m) return { value: false };
      const playback = m.playback(playbackId);
      if (playback?.status === PlaybackStatus.PLAYING && !playback.startedAt) return { value: false };
      m.finishRequest(item.id, playback?.startedAt ? OutboxStatus.DONE : OutboxStatus.CANCELLED);
      return { mutation: m, value: true };
    });
    return settled;
  }

  private async afterFailure(item: OutboxItem, error: unknown): Promise<EffectOutcome> {
    const { effect } = item;
    const code = error instanceof ProviderError ? error.code : 'internal-error';
    const reason = error instanceof ProviderError ? `${error.code}: ${error.message}` : 'internal error';
    // Asking for what is already so: nothing left to stop, a call that already ended.
    const alreadySo =
      (effect.kind === 'stop' && code === 'call-audio-invalid-state') || (effect.kind === 'hangup' && code === 'call-invalid-state');
    if (!alreadySo) this.logger.warn({ callId: item.callId, request: effect.kind, err: describeError(error) }, 'provider request failed');
    await this.work.change(item.callId, (m) => {
      m.finishRequest(item.id, alreadySo ? OutboxStatus.DONE : OutboxStatus.FAILED, alreadySo ? null : reason);
      if (effect.kind === 'play') {
        const playback = m.playback(effect.playbackId);
        if (playback && m.markFailed(playback, reason)) m.playNext();
      }
      if (!alreadySo && (effect.kind === 'hangup' || effect.kind === 'answer')) {
        m.record(`call.${effect.kind}_failed`, error instanceof ProviderError ? providerErrorPayload(error) : { code });
      }
    });
    return alreadySo ? OK : { ok: false, error };
  }
}
