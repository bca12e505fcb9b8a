import { createHash } from 'node:crypto';
import { CallDirection, CallState, EventSource, isTerminal, PlaybackStatus, type CallRecord, type PlaybackRecord } from './call.js';
import { CallDialer, type DialResult } from './call-dialer.js';
import { CallError, CallErrorCode } from './call-errors.js';
import { createCallInput, playAudioInput, validate, type CreateCallInput, type PlayAudioInput } from './call-input.js';
import { CallMutation, newCallId } from './call-mutation.js';
import type { ProviderEvent } from './call-signal.js';
import { endingForHangupCause, moveCall } from './call-state-machine.js';
import type { CallStore, CallStoreTransaction } from './call-store.js';
import type { ChangeNotifier } from './change-notifier.js';
import { EffectRunner, type EffectOutcome } from './effect-runner.js';
import { OutboxStatus, type OutboxItem } from './outbox.js';
import { ProviderError, type ProviderCallStatus, type VoiceGateway } from './voice-gateway.js';

/** The subset of a pino logger the domain writes to. */
export interface DomainLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CallServiceOptions {
  store: CallStore;
  gateway: VoiceGateway;
  notifier: ChangeNotifier;
  /**
   * The URL the provider sends each call's events to, credentials included. Read for every call:
   * a server on an ephemeral port knows its own URL only once it listens.
   */
  callbackUrl: () => string;
  logger: DomainLogger;
  /** Outbound calls placed per second at most (default 1, Bandwidth's default limit). */
  callsPerSecond?: number;
  /**
   * Names this instance in outbox leases. Stable across restarts (host and port), so a restarted
   * instance takes its own unfinished requests back at once instead of waiting for their leases.
   */
  instanceId?: string;
  /** How long an instance holds an outbox entry it is sending before another may take over. */
  outboxLeaseMs?: number;
  /** Injected so tests can control time; defaults to the wall clock. */
  clock?: () => Date;
}

/** Who asks, so that one client's idempotency keys never collide with another's. */
export interface Caller {
  id: string;
}

export type IngestOutcome =
  | { status: 'applied' | 'recorded'; callId: string; sequence: number }
  | { status: 'duplicate'; callId: string }
  | { status: 'unmatched' };

/** How long to hold every outbound call back after Bandwidth answers `call-rate-limit`. */
const RATE_LIMIT_PAUSE_MS = 2000;
/** Dial attempts whose outcome stayed unknown before a call is given up as failed. */
const MAX_DIAL_ATTEMPTS = 4;
const ANONYMOUS: Caller = { id: 'anonymous' };
/** Attempts at a transaction that keeps losing races with other instances before giving up. */
const MAX_CONFLICT_RETRIES = 5;
const OK: EffectOutcome = { ok: true };
/** Outbox entries claimed per query by a sweep. */
const OUTBOX_PAGE = 500;

/**
 * The call domain's use cases: place, answer and end calls, queue and stop audio, and apply the
 * provider's events.
 *
 * Each change is one store transaction over one call. The provider requests a change calls for
 * are written to the outbox in that transaction and sent only after it commits, so a crash never
 * loses a decided request (it is sent on restart) and never leaves a record claiming a request
 * that was not decided.
 */
export class CallService {
  private readonly store: CallStore;
  private readonly gateway: VoiceGateway;
  private readonly notifier: ChangeNotifier;
  private readonly logger: DomainLogger;
  private readonly clock: () => Date;
  private readonly runner: EffectRunner;
  private readonly dialer: CallDialer;
  private readonly instanceId: string;
  private readonly leaseMs: number;
  /** Outbox entries this instance is sending or has queued, so a sweep never dispatches one twice. */
  private readonly inFlight = new Set<number>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: CallServiceOptions) {
    this.store = options.store;
    this.gateway = options.gateway;
    this.notifier = options.notifier;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.instanceId = options.instanceId ?? `pid-${process.pid}`;
    this.leaseMs = options.outboxLeaseMs ?? 30_000;
    this.runner = new EffectRunner((item) => this.perform(item), options.logger);
    this.dialer = new CallDialer({
      callsPerSecond: options.callsPerSecond ?? 1,
      dial: (item) => this.dial(item),
      logger: options.logger,
    });
  }

  /**
   * Sends what the outbox still holds — requests decided before a restart, or by an instance that
   * died — and keeps looking for such entries every half lease.
   */
  async resume(): Promise<number> {
    const resumed = await this.sweepOutbox();
    if (resumed > 0) this.logger.info({ resumed }, 'resuming provider requests from the outbox');
    this.sweeper = setInterval(() => {
      this.sweepOutbox().catch((error: unknown) => this.logger.error({ err: describe(error) }, 'outbox sweep failed'));
    }, Math.max(100, this.leaseMs / 2));
    this.sweeper.unref();
    return resumed;
  }

  private async sweepOutbox(): Promise<number> {
    let claimed = 0;
    // Pages follow the id: the claim also renews this instance's own leases, so without the cursor
    // 500 entries of ours still pending (calls queued under the dial rate) came back as the
    // first page every time, and the sweep never ended.
    let afterId = 0;
    for (;;) {
      const items = await this.store.claimOutbox(this.lease(), this.clock(), OUTBOX_PAGE, afterId);
      const fresh = items.filter((item) => !this.inFlight.has(item.id));
      for (const item of fresh) void this.dispatch(item);
      claimed += fresh.length;
      if (items.length < OUTBOX_PAGE) return claimed;
      afterId = items.at(-1)!.id;
    }
  }

  private lease(from: Date = this.clock()): { by: string; until: Date } {
    return { by: this.instanceId, until: new Date(from.getTime() + this.leaseMs) };
  }

  async createCall(input: CreateCallInput, caller: Caller = ANONYMOUS): Promise<CallRecord> {
    const request = validate(createCallInput, input);
    const { idempotencyKey, ...order } = request;
    const now = this.clock();
    const call: CallRecord = {
      id: newCallId(),
      providerCallId: null,
      direction: CallDirection.OUTBOUND,
      from: order.from,
      to: order.to,
      state: CallState.QUEUED,
      endReason: null,
      hangupCause: null,
      callTimeoutSeconds: order.callTimeoutSeconds ?? null,
      createdAt: now,
      updatedAt: now,
      answeredAt: null,
      endedAt: null,
      lastSequence: 0,
    };
    let earlier: string | undefined;
    const [dialled] = await this.commit(async (tx) => {
      if (idempotencyKey) {
        earlier = await this.earlierResult(tx, caller, 'createCall', idempotencyKey, order);
        if (earlier) return undefined;
        await this.rememberKey(tx, caller, 'createCall', idempotencyKey, order, call.id);
      }
      // A copy: a transaction lost to another instance runs again from the same starting point.
      const mutation = new CallMutation({ ...call }, [], now, true);
      mutation.record('call.requested', { from: call.from, to: call.to, callTimeoutSeconds: call.callTimeoutSeconds });
      for (const file of order.audio) mutation.enqueue(file.fileUrl, file.loop);
      mutation.request({
        kind: 'create',
        callId: call.id,
        from: call.from,
        to: call.to,
        callTimeoutSeconds: call.callTimeoutSeconds,
      });
      return mutation;
    });
    if (earlier) return this.requireCall(earlier);

    const outcome = await dialled!;
    if (!outcome.ok && outcome.error instanceof ProviderError) throw bandwidthError(outcome.error, call.id);
    return this.requireCall(call.id);
  }

  async playAudio(input: PlayAudioInput, caller: Caller = ANONYMOUS): Promise<PlaybackRecord> {
    const request = validate(playAudioInput, input);
    const { idempotencyKey, ...order } = request;
    let playback: PlaybackRecord | undefined;
    let earlier: string | undefined;
    await this.commit(async (tx) => {
      const call = await tx.lockCall(order.callId);
      if (!call) throw notFound(order.callId);
      const mutation = new CallMutation(call, await tx.listPlaybacks(call.id), this.clock());
      if (idempotencyKey) {
        earlier = await this.earlierResult(tx, caller, 'playAudio', idempotencyKey, order);
        if (earlier) return undefined;
      }
      assertNotEnded(call);
      if (order.interrupt) mutation.stopCurrent(true);
      playback = mutation.enqueue(order.fileUrl, order.loop, order.interrupt);
      mutation.playNext();
      if (idempotencyKey) await this.rememberKey(tx, caller, 'playAudio', idempotencyKey, order, playback.id);
      return mutation;
    });
    if (earlier) return (await this.store.getPlayback(earlier))!;
    return playback!;
  }

  async stopAudio(callId: string): Promise<CallRecord> {
    return this.change(callId, (m) => {
      assertNotEnded(m.call);
      m.stopCurrent(true);
      m.cancelQueued();
    });
  }

  async hangUpCall(callId: string): Promise<CallRecord> {
    let requested = false;
    const [outcome] = await this.commit(async (tx) => {
      const call = await tx.lockCall(callId);
      if (!call) throw notFound(callId);
      assertNotEnded(call);
      const m = new CallMutation(call, await tx.listPlaybacks(callId), this.clock());
      if (call.state === CallState.QUEUED) {
        // Not dialled yet: cancelling is ours alone, and the queued dial is dropped.
        for (const item of await tx.findPendingOutbox(callId, 'create')) m.finishRequest(item.id, OutboxStatus.CANCELLED);
        m.record('call.hung_up', { by: 'api', dialled: false });
        m.end(endingForHangupCause('ORIGINATOR_CANCEL', false), m.now, null);
        return m;
      }
      m.request({ kind: 'hangup', callId, providerCallId: requireProviderId(call) });
      m.record('call.hangup_requested', { by: 'api' });
      requested = true;
      return m;
    });
    if (requested) await this.settle(outcome!, callId, new Set(['call-invalid-state']));
    return this.requireCall(callId);
  }

  async answerCall(callId: string): Promise<CallRecord> {
    const [outcome] = await this.commit(async (tx) => {
      const call = await tx.lockCall(callId);
      if (!call) throw notFound(callId);
      if (call.direction !== CallDirection.INBOUND) {
        throw new CallError(CallErrorCode.BAD_USER_INPUT, 'Only inbound calls can be answered', { callId });
      }
      assertNotEnded(call);
      if (call.state !== CallState.RINGING) {
        throw new CallError(CallErrorCode.CALL_NOT_RINGING, `Call ${callId} is ${call.state}, not ringing`, {
          callId,
          state: call.state,
        });
      }
      const m = new CallMutation(call, [], this.clock());
      m.request({ kind: 'answer', callId, providerCallId: requireProviderId(call) });
      m.record('call.answer_requested', { by: 'api' });
      return m;
    });
    await this.settle(outcome!, callId);
    return this.requireCall(callId);
  }

  /**
   * Applies one provider event. The event is committed (or counted as a redelivery) before this
   * resolves, so the webhook can acknowledge it; provider requests it triggers run afterwards.
   */
  async ingest(event: ProviderEvent): Promise<IngestOutcome> {
    const now = this.clock();
    let outcome: IngestOutcome = { status: 'unmatched' };
    await this.commit(async (tx) => {
      const located = await this.locate(tx, event);
      if (!located) {
        if (event.signal.kind !== 'incoming') {
          await tx.recordUnmatchedEvent({
            receivedAt: now,
            providerCallId: event.providerCallId,
            eventType: event.type,
            reason: 'no call with this id or tag',
            payload: event.payload,
          });
          return undefined;
        }
        const mutation = this.newInboundCall(event, event.signal, now);
        outcome = { status: 'applied', callId: mutation.call.id, sequence: mutation.call.lastSequence };
        return mutation;
      }
      if (await tx.countRedelivery(located.id, event.dedupeKey)) {
        outcome = { status: 'duplicate', callId: located.id };
        return undefined;
      }
      const mutation = new CallMutation(located, await tx.listPlaybacks(located.id), now);
      const logged = mutation.record(event.type, event.payload, {
        source: EventSource.BANDWIDTH,
        occurredAt: event.occurredAt,
        dedupeKey: event.dedupeKey,
      });
      logged.applied = this.apply(mutation, event);
      outcome = { status: logged.applied ? 'applied' : 'recorded', callId: located.id, sequence: logged.sequence };
      return mutation;
    });
    return outcome;
  }

  /**
   * Brings a call in line with the provider's own records, for when an event never arrived: the
   * missing answer or hangup is logged as a RECONCILED event and applied. Returns whether it
   * changed anything.
   */
  async reconcile(callId: string): Promise<boolean> {
    const call = await this.requireCall(callId);
    if (isTerminal(call.state) || !call.providerCallId) return false;
    const status = await this.gateway.forCall(callId).getCallStatus(call.providerCallId);
    let changed = false;
    await this.change(callId, (m) => {
      changed = this.applyProviderStatus(m, status ?? missingAtProvider(call.providerCallId!, m.now));
    });
    return changed;
  }

  /** Waits until every provider request already decided has been made; for shutdown and tests. */
  async idle(): Promise<void> {
    await this.dialer.idle();
    await this.runner.idle();
  }

  /** Stops dialling queued calls; what is left stays in the outbox for the next start. */
  stop(): void {
    clearInterval(this.sweeper);
    this.dialer.stop();
  }

  private apply(m: CallMutation, event: ProviderEvent): boolean {
    const { signal } = event;
    if (!m.call.providerCallId) {
      m.call.providerCallId = event.providerCallId;
      m.touchCall();
    }
    switch (signal.kind) {
      case 'answered':
        return m.answer(event.occurredAt);
      case 'playback-started': {
        const playback = m.playback(event.tag);
        return playback !== undefined && m.markStarted(playback, event.occurredAt);
      }
      case 'playback-done': {
        const playback = m.playback(event.tag);
        if (!playback || !m.markDone(playback, event.occurredAt)) return false;
        m.playNext();
        return true;
      }
      case 'ended':
        return m.end(endingForHangupCause(signal.cause, m.call.answeredAt !== null), event.occurredAt, signal.cause);
      case 'timed-out':
        if (m.call.state === CallState.ACTIVE) return false;
        return m.end(endingForHangupCause('NO_ANSWER', false), event.occurredAt, 'NO_ANSWER');
      case 'incoming':
      case 'informational':
        return false;
    }
  }

  /** Records and applies the answer or hangup the provider's records show but no event told us. */
  private applyProviderStatus(m: CallMutation, status: ProviderCallStatus): boolean {
    const reconciled = { source: EventSource.RECONCILED };
    let changed = false;
    if (status.state !== 'ringing' && status.answeredAt && !m.call.answeredAt && !isTerminal(m.call.state)) {
      m.record('answer', { reconciled: true, bandwidthCall: status.raw }, { ...reconciled, occurredAt: status.answeredAt });
      if (m.call.state === CallState.REQUESTED) moveCall(m.call, CallState.RINGING, m.now);
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

  /**
   * One attempt at placing a queued call. An attempt whose predecessor may have reached the
   * provider first looks the call up by its tag, so a call is never dialled twice.
   */
  private async dial(item: OutboxItem): Promise<DialResult> {
    const effect = item.effect;
    if (effect.kind !== 'create') return { kind: 'done' };
    let proceed = false;
    await this.commit(async (tx) => {
      const call = await tx.lockCall(effect.callId);
      const m = call ? new CallMutation(call, await tx.listPlaybacks(call.id), this.clock()) : undefined;
      if (m?.call.providerCallId) {
        // Its events got here first (they carry our tag): an earlier attempt did place the call.
        m.finishRequest(item.id, OutboxStatus.DONE);
        m.record('call.dialed', { bandwidthCallId: m.call.providerCallId, reconciled: true }, { applied: false });
        return m;
      }
      if (!m || (m.call.state !== CallState.QUEUED && m.call.state !== CallState.REQUESTED)) {
        await tx.finishOutbox(item.id, OutboxStatus.CANCELLED, null, this.clock());
        return undefined;
      }
      if (!(await tx.startOutboxAttempt(item.id, this.lease(m.now), m.now))) return undefined;
      proceed = true;
      moveCall(m.call, CallState.REQUESTED, m.now);
      m.record('call.dialing', { attempt: item.attempts + 1 });
      return m;
    });
    if (!proceed) return { kind: 'done' };
    item.attempts += 1;

    if (item.attempts > 1) {
      const found = await this.findDialled(effect.callId, effect.to);
      if (found === 'unknown') return this.retryDial(item, 'the outcome of an earlier attempt is still unknown');
      if (found) return this.adoptDialled(item, found);
    }
    try {
      const { providerCallId } = await this.gateway.forCall(item.callId).createCall({
        from: effect.from,
        to: effect.to,
        callTimeoutSeconds: effect.callTimeoutSeconds ?? undefined,
        callbackUrl: this.options.callbackUrl(),
        tag: effect.callId,
      });
      await this.change(effect.callId, (m) => {
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
        const notBefore = new Date(this.clock().getTime() + RATE_LIMIT_PAUSE_MS);
        await this.change(effect.callId, (m) => {
          m.record('call.rate_limited', { message: error.message, retryAt: notBefore.toISOString() });
          moveCall(m.call, CallState.QUEUED, m.now);
          m.deferRequest(item.id, notBefore);
        });
        // Nothing reached the phone network: this attempt does not count towards the unknown-outcome limit.
        item.attempts = 0;
        return { kind: 'retry', notBefore, pauseMs: RATE_LIMIT_PAUSE_MS };
      }
      if (error.mayHaveTakenEffect) {
        await this.change(effect.callId, (m) => m.record('call.dial_outcome_unknown', providerErrorPayload(error)));
        return this.dial(item);
      }
      await this.change(effect.callId, (m) => {
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
      return await this.gateway.forCall(callId).findCallByTag(callId, to);
    } catch (error) {
      this.logger.warn({ callId, err: describe(error) }, 'could not look up a call whose creation is uncertain');
      return 'unknown';
    }
  }

  private async adoptDialled(item: OutboxItem, status: ProviderCallStatus): Promise<DialResult> {
    await this.change(item.callId, (m) => {
      m.finishRequest(item.id, OutboxStatus.DONE);
      m.call.providerCallId ??= status.providerCallId;
      m.touchCall();
      const ringing = moveCall(m.call, CallState.RINGING, m.now);
      m.record('call.dialed', { bandwidthCallId: status.providerCallId, reconciled: true }, { applied: ringing });
      this.applyProviderStatus(m, status);
      m.playNext();
    });
    return { kind: 'done' };
  }

  private async retryDial(item: OutboxItem, reason: string): Promise<DialResult> {
    if (item.attempts >= MAX_DIAL_ATTEMPTS) {
      await this.change(item.callId, (m) => {
        m.finishRequest(item.id, OutboxStatus.FAILED, reason);
        m.record('call.failed', { code: 'dial-outcome-unknown', message: reason, attempts: item.attempts });
        m.failWithProviderError('dial-outcome-unknown', m.now);
      });
      return { kind: 'done' };
    }
    const notBefore = new Date(this.clock().getTime() + 500 * 2 ** item.attempts);
    await this.change(item.callId, (m) => m.deferRequest(item.id, notBefore));
    return { kind: 'retry', notBefore };
  }

  /** Sends one outbox entry (other than a dial) and applies what its outcome means. */
  private async perform(item: OutboxItem): Promise<EffectOutcome> {
    const { effect } = item;
    // An earlier attempt (ours before a restart, or an instance that died mid-send) may have reached
    // the provider: a play it already reported started, or that the queue has moved past, is not sent again.
    if (effect.kind === 'play' && item.attempts > 0 && (await this.playSettled(item, effect.playbackId))) return OK;
    const now = this.clock();
    // Another instance took this entry over (ours looked dead): it sends, not us.
    if (!(await this.store.transaction((tx) => tx.startOutboxAttempt(item.id, this.lease(now), now)))) return OK;
    const gateway = this.gateway.forCall(item.callId);
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
    await this.change(item.callId, (m) => {
      m.finishRequest(item.id, OutboxStatus.DONE);
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
    let settled = false;
    await this.commit(async (tx) => {
      const call = await tx.lockCall(item.callId);
      if (!call) return undefined;
      const m = new CallMutation(call, await tx.listPlaybacks(call.id), this.clock());
      const playback = m.playback(playbackId);
      if (playback?.status === PlaybackStatus.PLAYING && !playback.startedAt) return undefined;
      settled = true;
      m.finishRequest(item.id, playback?.startedAt ? OutboxStatus.DONE : OutboxStatus.CANCELLED);
      return m;
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
    if (!alreadySo) this.logger.warn({ callId: item.callId, request: effect.kind, err: describe(error) }, 'provider request failed');
    await this.change(item.callId, (m) => {
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

  /** Waits for a mutation's own provider request and turns its failure into the mutation's error. */
  private async settle(outcome: Promise<EffectOutcome>, callId: string, harmless = new Set<string>()): Promise<void> {
    const result = await outcome;
    if (result.ok) return;
    if (result.error instanceof ProviderError) {
      if (harmless.has(result.error.code)) return;
      throw bandwidthError(result.error, callId);
    }
    throw result.error;
  }

  /**
   * Finds the call an event is about. The tag wins (our call id, or the playback id on audio
   * events) because it is there even when the event beats the create response that tells us the
   * provider's call id.
   */
  private async locate(tx: CallStoreTransaction, event: ProviderEvent): Promise<CallRecord | null> {
    const tag = event.tag;
    let byTag: CallRecord | null = null;
    if (tag?.startsWith('call_')) byTag = await tx.lockCall(tag);
    else if (tag?.startsWith('pb_')) {
      const callId = await tx.findCallIdOfPlayback(tag);
      byTag = callId ? await tx.lockCall(callId) : null;
    }
    if (byTag && (byTag.providerCallId === null || byTag.providerCallId === event.providerCallId)) return byTag;
    return tx.lockCallByProviderId(event.providerCallId);
  }

  private newInboundCall(event: ProviderEvent, signal: { from: string; to: string }, now: Date): CallMutation {
    const call: CallRecord = {
      id: newCallId(),
      providerCallId: event.providerCallId,
      direction: CallDirection.INBOUND,
      from: signal.from,
      to: signal.to,
      state: CallState.RINGING,
      endReason: null,
      hangupCause: null,
      callTimeoutSeconds: null,
      createdAt: now,
      updatedAt: now,
      answeredAt: null,
      endedAt: null,
      lastSequence: 0,
    };
    const mutation = new CallMutation(call, [], now, true);
    mutation.record(event.type, event.payload, {
      source: EventSource.BANDWIDTH,
      occurredAt: event.occurredAt,
      dedupeKey: event.dedupeKey,
    });
    return mutation;
  }

  /**
   * What an idempotency key produced when it was used before, if it was. The same key with a
   * different request is refused rather than guessed at.
   */
  private async earlierResult(
    tx: CallStoreTransaction,
    caller: Caller,
    operation: string,
    key: string,
    request: object,
  ): Promise<string | undefined> {
    const existing = await tx.findIdempotencyKey(caller.id, operation, key);
    if (!existing) return undefined;
    if (existing.requestHash !== requestHash(request)) {
      throw new CallError(
        CallErrorCode.IDEMPOTENCY_KEY_REUSED,
        `idempotencyKey ${key} was already used for a different ${operation} request`,
        { idempotencyKey: key },
      );
    }
    return existing.resultId;
  }

  private async rememberKey(
    tx: CallStoreTransaction,
    caller: Caller,
    operation: string,
    key: string,
    request: object,
    resultId: string,
  ): Promise<void> {
    await tx.insertIdempotencyKey(caller.id, operation, key, { requestHash: requestHash(request), resultId }, this.clock());
  }

  private async requireCall(callId: string): Promise<CallRecord> {
    const call = await this.store.getCall(callId);
    if (!call) throw notFound(callId);
    return call;
  }

  /** Runs `work` on one call inside a transaction and returns the call as committed. */
  private async change(callId: string, work: (m: CallMutation) => void): Promise<CallRecord> {
    let result: CallRecord | undefined;
    await this.commit(async (tx) => {
      const call = await tx.lockCall(callId);
      if (!call) throw notFound(callId);
      const mutation = new CallMutation(call, await tx.listPlaybacks(callId), this.clock());
      work(mutation);
      result = mutation.call;
      return mutation;
    });
    return result!;
  }

  /**
   * Writes what a mutation changed — its provider requests go into the outbox in the same
   * transaction — then, once committed, tells subscribers and sends the requests. Returns one
   * outcome per request, in the order the mutation asked for them.
   */
  private async commit(
    work: (tx: CallStoreTransaction) => Promise<CallMutation | undefined>,
  ): Promise<Array<Promise<EffectOutcome>>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const committed = await this.store.transaction(async (tx) => {
          const m = await work(tx);
          if (!m) return undefined;
          const items = await persist(tx, m, (from) => this.lease(from));
          return { m, items };
        });
        if (!committed) return [];
        const { m, items } = committed;
        if (m.callChanged) this.notifier.publish({ callId: m.call.id, sequence: m.call.lastSequence, call: m.call, events: m.events });
        return items.map((item) => this.dispatch(item));
      } catch (error) {
        // Another instance won a race (the same inbound call, the same idempotency key): run
        // again, and this time see what it wrote.
        if (attempt >= MAX_CONFLICT_RETRIES || !this.store.isConflict(error)) throw error;
      }
    }
  }

  private dispatch(item: OutboxItem): Promise<EffectOutcome> {
    this.inFlight.add(item.id);
    const settled = (): void => void this.inFlight.delete(item.id);
    if (item.effect.kind !== 'create') {
      const outcome = this.runner.enqueue(item);
      void outcome.finally(settled);
      return outcome;
    }
    const { immediate, firstAttempt, finished } = this.dialer.submit(item);
    void finished.finally(settled);
    // A call that must wait for its turn is answered at once as QUEUED; otherwise the caller
    // learns how the dial went (RINGING, or Bandwidth's refusal).
    if (!immediate) return Promise.resolve(OK);
    return firstAttempt.then((result) => (result.kind === 'done' && result.error ? { ok: false, error: result.error } : OK));
  }
}

async function persist(
  tx: CallStoreTransaction,
  m: CallMutation,
  lease: (from: Date) => { by: string; until: Date },
): Promise<OutboxItem[]> {
  if (m.callChanged) m.call.updatedAt = m.now;
  if (m.isNew) await tx.insertCall(m.call);
  else if (m.callChanged) await tx.updateCall(m.call);
  for (const playback of m.playbacks) {
    if (m.newPlaybacks.has(playback.id)) await tx.insertPlayback(playback);
    else if (m.changedPlaybacks.has(playback.id)) await tx.updatePlayback(playback);
  }
  for (const event of m.events) await tx.insertEvent(event);
  for (const change of m.outboxChanges) {
    if ('status' in change) await tx.finishOutbox(change.id, change.status, change.error, m.now);
    else await tx.deferOutbox(change.id, change.notBefore, lease(change.notBefore), m.now);
  }
  const items: OutboxItem[] = [];
  for (const effect of m.effects) items.push(await tx.insertOutbox(effect, m.now, lease(m.now), m.now));
  return items;
}

function missingAtProvider(providerCallId: string, now: Date): ProviderCallStatus {
  return {
    providerCallId,
    state: 'ended',
    answeredAt: null,
    endedAt: now,
    hangupCause: 'CALL_NOT_FOUND',
    raw: { error: 'call-not-found' },
  };
}

function requestHash(request: object): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

function assertNotEnded(call: CallRecord): void {
  if (isTerminal(call.state)) {
    throw new CallError(CallErrorCode.CALL_NOT_ACTIVE, `Call ${call.id} has ended (${call.state})`, {
      callId: call.id,
      state: call.state,
    });
  }
}

function requireProviderId(call: CallRecord): string {
  if (call.providerCallId) return call.providerCallId;
  throw new CallError(CallErrorCode.CALL_NOT_ACTIVE, `Call ${call.id} has not reached Bandwidth yet; retry shortly`, {
    callId: call.id,
    state: call.state,
  });
}

function notFound(callId: string): CallError {
  return new CallError(CallErrorCode.NOT_FOUND, `No call with id ${callId}`, { callId });
}

function providerErrorPayload(error: ProviderError): Record<string, unknown> {
  return { code: error.code, status: error.status ?? null, message: error.message };
}

function bandwidthError(error: ProviderError, callId: string): CallError {
  return new CallError(CallErrorCode.BANDWIDTH_ERROR, `Bandwidth refused the request: ${error.message}`, {
    callId,
    bandwidthCode: error.code,
    status: error.status ?? null,
  });
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof ProviderError) return { code: error.code, status: error.status, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
