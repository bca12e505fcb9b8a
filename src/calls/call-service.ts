import { CallDirection, CallState, EventSource, isTerminal, type CallRecord, type PlaybackRecord } from './call.js';
import { CallError, CallErrorCode } from './call-errors.js';
import { createCallInput, playAudioInput, validate, type CreateCallInput, type PlayAudioInput } from './call-input.js';
import { CallMutation, newCallId, type Effect } from './call-mutation.js';
import type { ProviderEvent } from './call-signal.js';
import { endingForHangupCause, moveCall } from './call-state-machine.js';
import type { CallStore, CallStoreTransaction } from './call-store.js';
import type { ChangeNotifier } from './change-notifier.js';
import { EffectRunner } from './effect-runner.js';
import { ProviderError, type VoiceGateway } from './voice-gateway.js';

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
  /** Injected so tests can control time; defaults to the wall clock. */
  clock?: () => Date;
}

export type IngestOutcome =
  | { status: 'applied' | 'recorded'; callId: string; sequence: number }
  | { status: 'duplicate'; callId: string }
  | { status: 'unmatched' };

const IN_FLIGHT_PROVIDER_STATES = new Set(['call-invalid-state']);

/**
 * The call domain's use cases: place, answer and end calls, queue and stop audio, and apply the
 * provider's events. Each one is a single store transaction over one call; requests to the
 * provider that it calls for run after the commit, so a crash can lose a request but never
 * leaves a record that claims one was made when it was not.
 */
export class CallService {
  private readonly store: CallStore;
  private readonly gateway: VoiceGateway;
  private readonly notifier: ChangeNotifier;
  private readonly logger: DomainLogger;
  private readonly clock: () => Date;
  private readonly effects: EffectRunner;

  constructor(private readonly options: CallServiceOptions) {
    this.store = options.store;
    this.gateway = options.gateway;
    this.notifier = options.notifier;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.effects = new EffectRunner((effect) => this.perform(effect), options.logger);
  }

  async createCall(input: CreateCallInput): Promise<CallRecord> {
    const request = validate(createCallInput, input);
    const now = this.clock();
    const call: CallRecord = {
      id: newCallId(),
      providerCallId: null,
      direction: CallDirection.OUTBOUND,
      from: request.from,
      to: request.to,
      state: CallState.REQUESTED,
      endReason: null,
      hangupCause: null,
      callTimeoutSeconds: request.callTimeoutSeconds ?? null,
      createdAt: now,
      updatedAt: now,
      answeredAt: null,
      endedAt: null,
      lastSequence: 0,
    };
    await this.commit(async () => {
      const mutation = new CallMutation(call, [], now, true);
      mutation.record('call.requested', {
        from: call.from,
        to: call.to,
        callTimeoutSeconds: call.callTimeoutSeconds,
      });
      for (const file of request.audio) mutation.enqueue(file.fileUrl, file.loop);
      return mutation;
    });

    try {
      const { providerCallId } = await this.gateway.createCall({
        from: call.from,
        to: call.to,
        callTimeoutSeconds: request.callTimeoutSeconds,
        callbackUrl: this.options.callbackUrl(),
        tag: call.id,
      });
      return await this.change(call.id, (m) => {
        // An early `answer` may have filled these in already; the create response must not undo it.
        m.call.providerCallId ??= providerCallId;
        const ringing = m.call.state === CallState.REQUESTED && moveCall(m.call, CallState.RINGING, m.now);
        m.record('call.dialed', { bandwidthCallId: providerCallId }, { applied: ringing });
        m.playNext();
      });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      await this.change(call.id, (m) => {
        m.record('call.failed', providerErrorPayload(error));
        m.failWithProviderError(error.code, m.now);
      });
      throw bandwidthError(error, call.id);
    }
  }

  async playAudio(input: PlayAudioInput): Promise<PlaybackRecord> {
    const request = validate(playAudioInput, input);
    let playback: PlaybackRecord | undefined;
    await this.change(request.callId, (m) => {
      assertNotEnded(m.call);
      if (request.interrupt) m.stopCurrent(true);
      playback = m.enqueue(request.fileUrl, request.loop, request.interrupt);
      m.playNext();
    });
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
    const call = await this.requireCall(callId);
    assertNotEnded(call);
    const providerCallId = requireProviderId(call);
    try {
      await this.gateway.hangUp(providerCallId);
    } catch (error) {
      // The far end may have hung up while we asked: its `hangup` event is on the way.
      if (error instanceof ProviderError && IN_FLIGHT_PROVIDER_STATES.has(error.code)) return this.requireCall(callId);
      throw error instanceof ProviderError ? bandwidthError(error, callId) : error;
    }
    return this.change(callId, (m) => {
      const wasAnswered = m.call.state === CallState.ACTIVE;
      if (isTerminal(m.call.state)) return;
      m.record('call.hung_up', { by: 'api' });
      m.end(endingForHangupCause(wasAnswered ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL', wasAnswered), m.now, null);
    });
  }

  async answerCall(callId: string): Promise<CallRecord> {
    const call = await this.requireCall(callId);
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
    try {
      await this.gateway.answer(requireProviderId(call));
    } catch (error) {
      throw error instanceof ProviderError ? bandwidthError(error, callId) : error;
    }
    return this.change(callId, (m) => {
      if (m.call.state !== CallState.RINGING) return;
      m.record('call.answered', { by: 'api' });
      m.answer(m.now);
    });
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

  /** Waits until every provider request already decided has been made; for shutdown and tests. */
  async idle(): Promise<void> {
    await this.effects.idle();
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
   * Writes what a mutation changed, then — only once it is committed — tells subscribers and
   * starts the provider requests it decided on.
   */
  private async commit(work: (tx: CallStoreTransaction) => Promise<CallMutation | undefined>): Promise<void> {
    const mutation = await this.store.transaction(async (tx) => {
      const m = await work(tx);
      if (m) await persist(tx, m);
      return m;
    });
    if (!mutation || !mutation.callChanged) return;
    this.notifier.publish({ callId: mutation.call.id, sequence: mutation.call.lastSequence, call: mutation.call });
    if (mutation.effects.length > 0) this.effects.enqueue(mutation.call.id, mutation.effects);
  }

  private async perform(effect: Effect): Promise<void> {
    if (effect.kind === 'stop') {
      try {
        await this.gateway.stopAudio(effect.providerCallId);
      } catch (error) {
        // Nothing left to stop (the file ended on its own meanwhile) is the outcome we wanted.
        if (error instanceof ProviderError && error.code === 'call-audio-invalid-state') return;
        this.logger.warn({ callId: effect.callId, err: describe(error) }, 'stopping audio failed');
      }
      return;
    }
    try {
      await this.gateway.playAudio(effect.providerCallId, {
        fileUrl: effect.fileUrl,
        loop: effect.loop,
        tag: effect.playbackId,
      });
    } catch (error) {
      const reason = error instanceof ProviderError ? `${error.code}: ${error.message}` : 'internal error';
      this.logger.warn({ callId: effect.callId, playbackId: effect.playbackId, err: describe(error) }, 'playing audio failed');
      await this.change(effect.callId, (m) => {
        const playback = m.playback(effect.playbackId);
        if (playback && m.markFailed(playback, reason)) m.playNext();
      });
    }
  }
}

async function persist(tx: CallStoreTransaction, m: CallMutation): Promise<void> {
  if (m.callChanged) m.call.updatedAt = m.now;
  if (m.isNew) await tx.insertCall(m.call);
  else if (m.callChanged) await tx.updateCall(m.call);
  for (const playback of m.playbacks) {
    if (m.newPlaybacks.has(playback.id)) await tx.insertPlayback(playback);
    else if (m.changedPlaybacks.has(playback.id)) await tx.updatePlayback(playback);
  }
  for (const event of m.events) await tx.insertEvent(event);
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
