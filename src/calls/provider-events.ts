import { CallDirection, CallState, EndReason, EventSource, isTerminal, type CallRecord } from './call.js';
import { CallMutation, newCallId } from './call-mutation.js';
import type { ProviderEvent } from './call-signal.js';
import { endingForHangupCause, moveCall } from './call-state-machine.js';
import { StoreUnavailableError, type CallStoreTransaction } from './call-store.js';
import { applyProviderStatus, missingAtProvider } from './provider-status.js';
import type { UnitOfWork, Work } from './unit-of-work.js';
import type { VoiceGateway } from './voice-gateway.js';

/**
 * How long an event whose store could not be reached is tried again, and the first wait (doubling
 * after): long enough for a pool to replace connections a restart or failover dropped on a busy
 * machine, short against Bandwidth's webhook timeout (v2: 15 s by default).
 */
const INGEST_RETRY_WINDOW_MS = 1500;
const FIRST_INGEST_RETRY_DELAY_MS = 50;

/** `ended`: the call has ended as this event left it, so a webhook reply need not read it again. */
type IngestResult =
  | { status: 'applied' | 'recorded'; callId: string; sequence: number; ended: boolean }
  | { status: 'duplicate'; callId: string; ended: boolean }
  | { status: 'unmatched' }
  /** Refused: the event names one call and is about another (see {@link locate}); kept aside as unmatched. */
  | { status: 'rejected'; reason: string };

export type IngestOutcome = IngestResult & {
  /**
   * Settles once every provider request the event decided (the next file to play, …) has been
   * made. An adapter whose provider takes its instructions in the webhook's reply (v2's BXML)
   * waits for it before replying.
   */
  requests: Promise<void>;
};

/**
 * What the provider tells us about calls: its webhook events, and its records when an event never
 * came. Every event is logged on its call; whether it changes the call is the state machine's and
 * the audio queue's decision.
 */
export class ProviderEvents {
  constructor(
    private readonly work: UnitOfWork,
    private readonly gateway: VoiceGateway,
  ) {}

  /**
   * Applies one provider event. The event is committed (or counted as a redelivery) before this
   * resolves, so the webhook can acknowledge it; provider requests it triggers run afterwards.
   *
   * A store that could not be reached (a connection dropped mid-transaction) is tried again on a
   * fresh connection for up to {@link INGEST_RETRY_WINDOW_MS}: Bandwidth's v2 does not retry a
   * BXML webhook we fail, it ends the call. Safe, for an event whose first commit did land is found
   * by its dedupe key and counted as a redelivery. A full or read-only disk is not waited out.
   */
  async ingest(event: ProviderEvent): Promise<IngestOutcome> {
    const started = Date.now();
    for (let delayMs = FIRST_INGEST_RETRY_DELAY_MS; ; delayMs *= 2) {
      try {
        return await this.ingestOnce(event);
      } catch (error) {
        const unreachable = error instanceof StoreUnavailableError && error.reason === 'unreachable';
        if (!unreachable || Date.now() - started + delayMs > INGEST_RETRY_WINDOW_MS) throw error;
        // Unref'd: a wait for the database never holds a stopping process open.
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  }

  private async ingestOnce(event: ProviderEvent): Promise<IngestOutcome> {
    const now = this.work.clock();
    const { value: outcome, requests } = await this.work.commit(async (tx): Promise<Work<IngestResult>> => {
      const keepAside = (reason: string) =>
        tx.recordUnmatchedEvent({ receivedAt: now, providerCallId: event.providerCallId, eventType: event.type, reason, payload: event.payload });
      const found = await locate(tx, event);
      if (found && 'refused' in found) {
        await keepAside(found.refused);
        return { value: { status: 'rejected', reason: found.refused } };
      }
      const located = found?.call;
      if (!located) {
        if (event.signal.kind !== 'incoming') {
          await keepAside('no call with this id or tag');
          return { value: { status: 'unmatched' } };
        }
        const mutation = newInboundCall(event, event.signal, now);
        return { mutation, value: { status: 'applied', callId: mutation.call.id, sequence: mutation.call.lastSequence, ended: false } };
      }
      // Asked together: a store that batches lookups answers both in one round trip.
      const [redelivered, playbacks] = await Promise.all([tx.countRedelivery(located.id, event.dedupeKey), tx.listPlaybacks(located.id)]);
      if (redelivered) return { value: { status: 'duplicate', callId: located.id, ended: isTerminal(located.state) } };
      const mutation = new CallMutation(located, playbacks, now);
      const logged = mutation.record(event.type, event.payload, {
        source: EventSource.BANDWIDTH,
        occurredAt: event.occurredAt,
        dedupeKey: event.dedupeKey,
      });
      logged.applied = apply(mutation, event);
      const ended = isTerminal(mutation.call.state);
      return { mutation, value: { status: logged.applied ? 'applied' : 'recorded', callId: located.id, sequence: logged.sequence, ended } };
    });
    return { ...outcome, requests: Promise.all(requests).then(() => undefined) };
  }

  /**
   * Brings a call in line with the provider's own records, for when an event never arrived: the
   * missing answer or hangup is logged as a RECONCILED event and applied. `endsOnly` applies an end
   * and nothing else, for a call whose answer may be on its way this moment (its webhook, whose
   * reply v2 takes its next instructions from, must be the one to apply it). Returns whether it
   * changed anything.
   */
  async reconcile(callId: string, endsOnly = false): Promise<boolean> {
    const call = await this.work.requireCall(callId);
    if (isTerminal(call.state) || !call.providerCallId) return false;
    const status = (await this.gateway.forCall(callId).getCallStatus(call.providerCallId)) ?? missingAtProvider(call.providerCallId, this.work.clock());
    if (endsOnly && status.state !== 'ended') return false;
    let changed = false;
    await this.work.change(callId, (m) => {
      changed = applyProviderStatus(m, status);
    });
    return changed;
  }
}

function apply(m: CallMutation, event: ProviderEvent): boolean {
  const { signal } = event;
  if (!m.call.providerCallId) {
    m.call.providerCallId = event.providerCallId;
    m.touchCall();
    // Its event settles an unconfirmed dial: the provider did place it (the dialler, polling, finishes its request).
    if (m.call.state === CallState.UNCONFIRMED) moveCall(m.call, CallState.RINGING, m.now);
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
    case 'playback-looped': {
      const playback = m.playback(event.tag);
      return playback !== undefined && m.replay(playback);
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
 * provider's call id. An event must not be able to move one call with another's words, so a tag of
 * ours decides: the provider id must be the one that call has, and an event may tell a call its
 * provider id only while it may really have been placed (its dial is out, or was given up without
 * learning whether it reached the provider). Anything else is refused, whatever call its provider
 * id belongs to.
 */
async function locate(tx: CallStoreTransaction, event: ProviderEvent): Promise<{ call: CallRecord } | { refused: string } | null> {
  const tagged = await taggedCall(tx, event.tag);
  if (tagged === undefined) {
    const call = await tx.lockCallByProviderId(event.providerCallId);
    return call && { call };
  }
  if (tagged === null) return { refused: 'its tag names no call of ours' };
  if (tagged.providerCallId === event.providerCallId) return { call: tagged };
  if (tagged.providerCallId !== null) return { refused: 'its tag names a call the provider knows by another id' };
  if (!mayHaveBeenPlaced(tagged)) return { refused: 'its tag names a call that has not been placed' };
  return { call: tagged };
}

/** The call a tag of ours names (null: none has it); undefined when the event carries no tag of ours. */
async function taggedCall(tx: CallStoreTransaction, tag: string | undefined): Promise<CallRecord | null | undefined> {
  if (tag?.startsWith('call_')) return tx.lockCall(tag);
  if (tag?.startsWith('pb_')) {
    const callId = await tx.findCallIdOfPlayback(tag);
    return callId ? tx.lockCall(callId) : null;
  }
  return undefined;
}

/**
 * Whether the provider may know a call we have no provider id for: its create request is out (or
 * about to be) or its outcome unconfirmed, or the call failed at the provider, which includes a dial given up after every
 * attempt's outcome stayed unknown (it may have rung after all). A queued call, or one cancelled
 * before its turn, was never sent.
 */
function mayHaveBeenPlaced(call: CallRecord): boolean {
  return (
    call.state === CallState.REQUESTED ||
    call.state === CallState.UNCONFIRMED ||
    (call.state === CallState.FAILED && call.endReason === EndReason.BANDWIDTH_ERROR)
  );
}

function newInboundCall(event: ProviderEvent, signal: { from: string; to: string }, now: Date): CallMutation {
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
