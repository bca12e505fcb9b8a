import { CallDirection, CallState, type CallRecord, type PlaybackRecord } from './call.js';
import { assertNotEnded, bandwidthError, CallError, CallErrorCode, notFound, requireProviderId } from './call-errors.js';
import { CallMutation, newCallId } from './call-mutation.js';
import { endingForHangupCause } from './call-state-machine.js';
import { createCallInput, playAudioInput, validate, type CreateCallInput, type PlayAudioInput } from './command-input.js';
import type { EffectOutcome } from './effect-runner.js';
import { ANONYMOUS, IdempotencyKey, type Caller } from './idempotency-keys.js';
import { OutboxStatus } from './outbox.js';
import type { UnitOfWork, Work } from './unit-of-work.js';
import { ProviderError } from './voice-gateway.js';

/**
 * What clients ask of a call: place it, queue and stop audio, hang up, answer. Each validates its
 * input before anything is stored and returns once its own provider request, if any, has been
 * answered, so a refusal reaches the client as its error.
 */
export class CallCommands {
  constructor(private readonly work: UnitOfWork) {}

  async createCall(input: CreateCallInput, caller: Caller = ANONYMOUS): Promise<CallRecord> {
    const { idempotencyKey, ...order } = validate(createCallInput, input);
    const key = idempotencyKey ? new IdempotencyKey(caller, 'createCall', idempotencyKey, order) : undefined;
    const now = this.work.clock();
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
    const {
      value: earlier,
      requests: [dialled],
    } = await this.work.commit(async (tx) => {
      if (key) {
        const earlier = await key.earlierResult(tx);
        if (earlier) return { value: earlier };
        await key.remember(tx, call.id, now);
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
      return { mutation, value: undefined };
    });
    if (earlier) return this.work.requireCall(earlier);

    const outcome = await dialled!;
    if (!outcome.ok && outcome.error instanceof ProviderError) throw bandwidthError(outcome.error, call.id);
    return this.work.requireCall(call.id);
  }

  async playAudio(input: PlayAudioInput, caller: Caller = ANONYMOUS): Promise<PlaybackRecord> {
    const { idempotencyKey, ...order } = validate(playAudioInput, input);
    const key = idempotencyKey ? new IdempotencyKey(caller, 'playAudio', idempotencyKey, order) : undefined;
    const { value: queued } = await this.work.commit(async (tx): Promise<Work<{ playback: PlaybackRecord } | { earlier: string }>> => {
      const mutation = await this.work.open(tx, order.callId);
      if (!mutation) throw notFound(order.callId);
      if (key) {
        const earlier = await key.earlierResult(tx);
        if (earlier) return { value: { earlier } };
      }
      assertNotEnded(mutation.call);
      if (order.interrupt) mutation.stopCurrent(true);
      const playback = mutation.enqueue(order.fileUrl, order.loop, order.interrupt);
      mutation.playNext();
      if (key) await key.remember(tx, playback.id, mutation.now);
      return { mutation, value: { playback } };
    });
    if ('earlier' in queued) return (await this.work.store.getPlayback(queued.earlier))!;
    return queued.playback;
  }

  async stopAudio(callId: string): Promise<CallRecord> {
    return this.work.change(callId, (m) => {
      assertNotEnded(m.call);
      m.stopCurrent(true);
      m.cancelQueued();
    });
  }

  async hangUpCall(callId: string): Promise<CallRecord> {
    const {
      value: requested,
      requests: [outcome],
    } = await this.work.commit(async (tx) => {
      const m = await this.work.open(tx, callId);
      if (!m) throw notFound(callId);
      assertNotEnded(m.call);
      if (m.call.state === CallState.QUEUED) {
        // Not dialled yet: cancelling is ours alone, and the queued dial is dropped.
        for (const item of await tx.findPendingOutbox(callId, 'create')) m.finishRequest(item.id, OutboxStatus.CANCELLED);
        m.record('call.hung_up', { by: 'api', dialled: false });
        m.end(endingForHangupCause('ORIGINATOR_CANCEL', false), m.now, null);
        return { mutation: m, value: false };
      }
      m.request({ kind: 'hangup', callId, providerCallId: requireProviderId(m.call) });
      m.record('call.hangup_requested', { by: 'api' });
      return { mutation: m, value: true };
    });
    if (requested) await settle(outcome!, callId, new Set(['call-invalid-state']));
    return this.work.requireCall(callId);
  }

  async answerCall(callId: string): Promise<CallRecord> {
    const {
      requests: [outcome],
    } = await this.work.commit(async (tx) => {
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
      const m = new CallMutation(call, [], this.work.clock());
      m.request({ kind: 'answer', callId, providerCallId: requireProviderId(call) });
      m.record('call.answer_requested', { by: 'api' });
      return { mutation: m, value: undefined };
    });
    await settle(outcome!, callId);
    return this.work.requireCall(callId);
  }
}

/** Waits for a command's own provider request and turns its failure into the command's error. */
async function settle(outcome: Promise<EffectOutcome>, callId: string, harmless = new Set<string>()): Promise<void> {
  const result = await outcome;
  if (result.ok) return;
  if (result.error instanceof ProviderError) {
    if (harmless.has(result.error.code)) return;
    throw bandwidthError(result.error, callId);
  }
  throw result.error;
}
