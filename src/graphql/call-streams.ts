import type { CallRecord } from '../calls/call.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from '../change-bus/call-change-bus.js';

/**
 * Snapshots of a call (or of every call) as they change. With a call id the current state comes
 * first, so a client never misses a change made between its query and its subscription.
 * Snapshots never go backwards: one older than what was already sent is skipped.
 *
 * A reader that falls behind gets each call's latest snapshot rather than every one in between:
 * what waits for it is at most one snapshot per call, however fast calls change and however
 * slowly it reads, instead of a queue that grows with every change.
 */
export function callUpdateStream(store: CallStore, bus: CallChangeBus, callId: string | null): AsyncIterableIterator<CallRecord> {
  return new CallSnapshots(store, bus, callId);
}

class CallSnapshots implements AsyncIterableIterator<CallRecord> {
  /** The newest snapshot not yet taken, per call, in the order their calls first changed. */
  private readonly pending = new Map<string, CallRecord>();
  /** The sequence of the last snapshot taken, per call. */
  private readonly sent = new Map<string, number>();
  private waiting: { resolve: (result: IteratorResult<CallRecord>) => void; reject: (error: unknown) => void } | undefined;
  private failure: { error: unknown } | undefined;
  private finished = false;
  private readonly unsubscribe: () => void;

  constructor(
    store: CallStore,
    bus: CallChangeBus,
    private readonly callId: string | null,
  ) {
    this.unsubscribe = bus.subscribe(callId, (change) => this.offer(change.call));
    if (callId !== null) {
      store.getCall(callId).then(
        (current) => current && this.offer(current),
        (error: unknown) => this.fail(error),
      );
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<CallRecord>> {
    if (this.failure) {
      const { error } = this.failure;
      this.end();
      return Promise.reject(error);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    const call = this.take();
    if (call) return Promise.resolve({ value: call, done: false });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<CallRecord>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<CallRecord>> {
    this.end();
    return Promise.reject(error);
  }

  private offer(call: CallRecord): void {
    if (this.finished) return;
    if ((this.sent.get(call.id) ?? -1) >= call.lastSequence) return;
    const queued = this.pending.get(call.id);
    if (queued && queued.lastSequence >= call.lastSequence) return;
    this.pending.set(call.id, call);
    if (!this.waiting) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ value: this.take()!, done: false });
  }

  /** The oldest waiting snapshot, now counted as sent. */
  private take(): CallRecord | undefined {
    const next = this.pending.entries().next();
    if (next.done) return undefined;
    const [id, call] = next.value;
    this.pending.delete(id);
    // An ended call changes no more, so an every-call stream forgets it instead of growing.
    if (this.callId === null && call.endedAt) this.sent.delete(id);
    else this.sent.set(id, call.lastSequence);
    return call;
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    if (!this.waiting) {
      this.failure = { error };
      return;
    }
    const { reject } = this.waiting;
    this.waiting = undefined;
    this.end();
    reject(error);
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.unsubscribe();
    this.pending.clear();
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }
}
