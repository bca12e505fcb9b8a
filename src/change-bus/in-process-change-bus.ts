import type { CallChange } from '../calls/change-notifier.js';
import type { CallChangeBus, ChangeListener } from './call-change-bus.js';

/** The single-process bus: listeners indexed by call so a change wakes only its own subscribers. */
export class InProcessCallChangeBus implements CallChangeBus {
  private readonly byCall = new Map<string, Set<ChangeListener>>();
  private readonly everyCall = new Set<ChangeListener>();

  publish(change: CallChange): void {
    for (const listener of this.byCall.get(change.callId) ?? []) listener(change);
    for (const listener of this.everyCall) listener(change);
  }

  subscribe(callId: string | null, listener: ChangeListener): () => void {
    const set = callId === null ? this.everyCall : this.listenersOf(callId);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (callId !== null && set.size === 0) this.byCall.delete(callId);
    };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.byCall.clear();
    this.everyCall.clear();
  }

  private listenersOf(callId: string): Set<ChangeListener> {
    let set = this.byCall.get(callId);
    if (!set) this.byCall.set(callId, (set = new Set()));
    return set;
  }
}
