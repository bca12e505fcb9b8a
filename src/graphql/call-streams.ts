import type { CallRecord } from '../calls/call.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from '../change-bus/call-change-bus.js';
import { PullIterator } from './pull-iterator.js';

/**
 * Snapshots of a call (or of every call) as they change. With a call id the current state comes
 * first, so a client never misses a change made between its query and its subscription.
 * Snapshots never go backwards: one older than what was already sent is skipped.
 *
 * A reader that keeps up gets every snapshot. One that falls more than
 * {@link MAX_PENDING_SNAPSHOTS} behind gets each call's latest rather than every one in between:
 * what waits for it is bounded however fast calls change and however slowly it reads.
 */
export const MAX_PENDING_SNAPSHOTS = 1000;

export function callUpdateStream(store: CallStore, bus: CallChangeBus, callId: string | null): AsyncIterableIterator<CallRecord> {
  return new CallSnapshots(store, bus, callId);
}

class CallSnapshots extends PullIterator<CallRecord> {
  /** Snapshots not yet taken, in the order they came. */
  private pending: CallRecord[] = [];
  private head = 0;
  /** The sequence of the newest snapshot waiting in `pending`, per call. */
  private readonly queued = new Map<string, number>();
  /** The sequence of the last snapshot taken, per call. */
  private readonly sent = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    store: CallStore,
    bus: CallChangeBus,
    private readonly callId: string | null,
  ) {
    super();
    this.unsubscribe = bus.subscribe(callId, (change) => this.offer(change.call));
    if (callId !== null) {
      store.getCall(callId).then(
        (current) => current && this.offer(current),
        (error: unknown) => this.fail(error),
      );
    }
  }

  protected override take(): CallRecord | undefined {
    if (this.head >= this.pending.length) return undefined;
    const call = this.pending[this.head]!;
    this.head += 1;
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    }
    const { id } = call;
    if (this.queued.get(id) === call.lastSequence) this.queued.delete(id);
    // An ended call changes no more, so an every-call stream forgets it instead of growing.
    if (this.callId === null && call.endedAt) this.sent.delete(id);
    else this.sent.set(id, call.lastSequence);
    return call;
  }

  protected override release(): void {
    this.unsubscribe();
    this.pending = [];
    this.head = 0;
    this.queued.clear();
  }

  private offer(call: CallRecord): void {
    if (this.finished) return;
    if ((this.sent.get(call.id) ?? -1) >= call.lastSequence) return;
    if ((this.queued.get(call.id) ?? -1) >= call.lastSequence) return;
    this.pending.push(call);
    this.queued.set(call.id, call.lastSequence);
    if (this.pending.length - this.head > MAX_PENDING_SNAPSHOTS) this.keepLatestOnly();
    this.wake();
  }

  /** For a reader too far behind: of each call, only its newest waiting snapshot, where its first one stood. */
  private keepLatestOnly(): void {
    const latest = new Map<string, CallRecord>();
    for (let i = this.head; i < this.pending.length; i += 1) {
      const call = this.pending[i]!;
      const kept = latest.get(call.id);
      // Map.set on a key already there keeps its place: the call stays where it first changed.
      if (!kept || kept.lastSequence < call.lastSequence) latest.set(call.id, call);
    }
    this.pending = [...latest.values()];
    this.head = 0;
  }
}
