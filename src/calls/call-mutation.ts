import { v7 as timeOrderedUuid } from 'uuid';
import {
  CallState,
  EndReason,
  EventSource,
  PlaybackStatus,
  isTerminal,
  type CallRecord,
  type PlaybackRecord,
} from './call.js';
import { moveCall, type CallEnding } from './call-state-machine.js';
import type { NewCallEvent } from './call-store.js';
import type { Effect, OutboxStatus } from './outbox.js';

/** A change to an outbox entry that goes into the same transaction as the call's change. */
type OutboxChange =
  | { id: number; status: Exclude<OutboxStatus, 'pending'>; error: string | null }
  | { id: number; notBefore: Date };

// Time-ordered (UUIDv7) rather than random: rows keyed by them, and every index that leads with
// a call id, take new entries at the end instead of all over the B-tree, so the pages a commit
// writes are few and shared by the calls active together. Measured on SQLite under the whole-call
// webhook mix, the commit's cost per event fell from about 39 µs to 12 µs.
const newPlaybackId = (): string => `pb_${timeOrderedUuid()}`;
export const newCallId = (): string => `call_${timeOrderedUuid()}`;

/**
 * One call, its audio queue and the events and effects a single transaction adds to them.
 *
 * The service loads it inside a store transaction, changes it through these methods (which keep
 * the log and the queue rules in one place) and writes back what changed.
 */
export class CallMutation {
  readonly events: NewCallEvent[] = [];
  /** Provider requests this change decides; written to the outbox with it, sent after the commit. */
  readonly effects: Effect[] = [];
  readonly outboxChanges: OutboxChange[] = [];
  readonly newPlaybacks = new Set<string>();
  readonly changedPlaybacks = new Set<string>();
  callChanged = false;

  constructor(
    readonly call: CallRecord,
    readonly playbacks: PlaybackRecord[],
    readonly now: Date,
    readonly isNew = false,
  ) {}

  /** Appends to the call's log; the sequence follows the last one, gap-free. */
  record(
    type: string,
    payload: Record<string, unknown>,
    options: { source?: EventSource; occurredAt?: Date; applied?: boolean; dedupeKey?: string } = {},
  ): NewCallEvent {
    this.call.lastSequence += 1;
    this.callChanged = true;
    const event: NewCallEvent = {
      callId: this.call.id,
      sequence: this.call.lastSequence,
      type,
      source: options.source ?? EventSource.SERVICE,
      occurredAt: options.occurredAt ?? this.now,
      receivedAt: this.now,
      payload,
      applied: options.applied ?? true,
      deliveries: 1,
      dedupeKey: options.dedupeKey,
    };
    this.events.push(event);
    return event;
  }

  touchCall(): void {
    this.callChanged = true;
  }

  get current(): PlaybackRecord | undefined {
    return this.playbacks.find((p) => p.status === PlaybackStatus.PLAYING);
  }

  get queued(): PlaybackRecord[] {
    return this.playbacks.filter((p) => p.status === PlaybackStatus.QUEUED).sort((a, b) => a.position - b.position);
  }

  playback(id: string | undefined): PlaybackRecord | undefined {
    return id === undefined ? undefined : this.playbacks.find((p) => p.id === id);
  }

  /** Queues a file at the back, or at the front when it interrupts what plays. */
  enqueue(fileUrl: string, loop: boolean, atFront = false): PlaybackRecord {
    const positions = this.playbacks.map((p) => p.position);
    const position = atFront ? Math.min(1, ...positions) - 1 : Math.max(0, ...positions) + 1;
    const playback: PlaybackRecord = {
      id: newPlaybackId(),
      callId: this.call.id,
      position,
      fileUrl,
      loop,
      status: PlaybackStatus.QUEUED,
      error: null,
      queuedAt: this.now,
      startedAt: null,
      endedAt: null,
    };
    this.playbacks.push(playback);
    this.newPlaybacks.add(playback.id);
    this.record('playback.queued', { playbackId: playback.id, fileUrl, loop, interrupt: atFront });
    return playback;
  }

  private setPlayback(playback: PlaybackRecord, status: PlaybackStatus, patch: Partial<PlaybackRecord> = {}): void {
    Object.assign(playback, patch, { status });
    if (!this.newPlaybacks.has(playback.id)) this.changedPlaybacks.add(playback.id);
  }

  /**
   * Starts the first queued file when the call is answered and nothing plays. The playback is
   * marked PLAYING in the same transaction that decides to play it, so a repeated trigger (a
   * duplicated `answer`, two `done`s) finds it taken and never requests it twice.
   */
  playNext(): void {
    if (this.call.state !== CallState.ACTIVE || this.current || !this.call.providerCallId) return;
    const next = this.queued[0];
    if (!next) return;
    this.setPlayback(next, PlaybackStatus.PLAYING);
    this.record('playback.requested', { playbackId: next.id, fileUrl: next.fileUrl, loop: next.loop });
    this.request({
      kind: 'play',
      callId: this.call.id,
      providerCallId: this.call.providerCallId,
      playbackId: next.id,
      fileUrl: next.fileUrl,
      loop: next.loop,
    });
  }

  /**
   * Asks the provider to play a looping file once more, where it cannot loop by itself; only while
   * the file is still the one playing, so a stop or hangup that came first is never undone.
   */
  replay(playback: PlaybackRecord): boolean {
    if (playback.status !== PlaybackStatus.PLAYING || !playback.loop || !this.call.providerCallId) return false;
    if (this.call.state !== CallState.ACTIVE) return false;
    this.request({
      kind: 'play',
      callId: this.call.id,
      providerCallId: this.call.providerCallId,
      playbackId: playback.id,
      fileUrl: playback.fileUrl,
      loop: playback.loop,
    });
    return true;
  }

  markStarted(playback: PlaybackRecord, at: Date): boolean {
    if (playback.status !== PlaybackStatus.PLAYING || playback.startedAt) return false;
    this.setPlayback(playback, PlaybackStatus.PLAYING, { startedAt: at });
    return true;
  }

  markDone(playback: PlaybackRecord, at: Date): boolean {
    if (playback.status === PlaybackStatus.PLAYING || this.finishedBeforeHangup(playback, at)) {
      this.setPlayback(playback, PlaybackStatus.DONE, { endedAt: at, startedAt: playback.startedAt ?? at });
      return true;
    }
    return false;
  }

  /**
   * Whether a `done` that arrives after the hangup stopped this file tells of an end that came
   * first: Bandwidth's deliveries can overtake each other, its event times do not.
   */
  private finishedBeforeHangup(playback: PlaybackRecord, at: Date): boolean {
    const endedAt = this.call.endedAt?.getTime();
    return (
      playback.status === PlaybackStatus.STOPPED &&
      endedAt !== undefined &&
      playback.endedAt?.getTime() === endedAt &&
      at.getTime() <= endedAt
    );
  }

  markFailed(playback: PlaybackRecord, error: string): boolean {
    if (playback.status !== PlaybackStatus.PLAYING && playback.status !== PlaybackStatus.QUEUED) return false;
    this.setPlayback(playback, PlaybackStatus.FAILED, { error, endedAt: this.now });
    this.record('playback.failed', { playbackId: playback.id, error });
    return true;
  }

  /** Stops what plays; asks the provider to stop it only when the call can still hear it. */
  stopCurrent(askProvider: boolean, at: Date = this.now): PlaybackRecord | undefined {
    const current = this.current;
    if (!current) return undefined;
    this.setPlayback(current, PlaybackStatus.STOPPED, { endedAt: at });
    this.record('playback.stopped', { playbackId: current.id });
    if (askProvider && this.call.providerCallId && this.call.state === CallState.ACTIVE) {
      this.request({ kind: 'stop', callId: this.call.id, providerCallId: this.call.providerCallId });
    }
    return current;
  }

  cancelQueued(): number {
    const queued = this.queued;
    for (const playback of queued) {
      this.setPlayback(playback, PlaybackStatus.CANCELLED, { endedAt: this.now });
      this.record('playback.cancelled', { playbackId: playback.id });
    }
    return queued.length;
  }

  answer(at: Date): boolean {
    if (!moveCall(this.call, CallState.ACTIVE, at)) return false;
    this.touchCall();
    this.playNext();
    return true;
  }

  /** Ends the call: sticky, and whatever was left of its audio will never play. */
  end(ending: CallEnding, at: Date, hangupCause: string | null): boolean {
    if (isTerminal(this.call.state)) return false;
    moveCall(this.call, ending.state, at);
    this.call.endReason = ending.endReason;
    this.call.hangupCause = hangupCause;
    this.touchCall();
    this.stopCurrent(false, this.call.endedAt ?? at);
    this.cancelQueued();
    return true;
  }

  /** Asks the provider for something about this call once the change is committed. */
  request(effect: Effect): void {
    this.effects.push(effect);
  }

  /** Settles an outbox entry (sent, failed for good, no longer needed) in this transaction. */
  finishRequest(id: number, status: Exclude<OutboxStatus, 'pending'>, error: string | null = null): void {
    this.outboxChanges.push({ id, status, error });
  }

  deferRequest(id: number, notBefore: Date): void {
    this.outboxChanges.push({ id, notBefore });
  }

  failWithProviderError(code: string, at: Date): boolean {
    return this.end({ state: CallState.FAILED, endReason: EndReason.BANDWIDTH_ERROR }, at, code);
  }
}
