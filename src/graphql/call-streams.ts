import { Repeater } from '@repeaterjs/repeater';
import type { CallRecord } from '../calls/call.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from '../change-bus/call-change-bus.js';

/**
 * Snapshots of a call (or of every call) as they change. With a call id the current state comes
 * first, so a client never misses a change made between its query and its subscription.
 * Snapshots never go backwards: one older than what was already sent is skipped.
 */
export function callUpdateStream(store: CallStore, bus: CallChangeBus, callId: string | null): AsyncIterable<CallRecord> {
  return new Repeater<CallRecord>(async (push, stop) => {
    const sent = new Map<string, number>();
    const send = (call: CallRecord): void => {
      if ((sent.get(call.id) ?? -1) >= call.lastSequence) return;
      // An ended call changes no more, so an every-call stream forgets it instead of growing.
      if (callId === null && call.endedAt) sent.delete(call.id);
      else sent.set(call.id, call.lastSequence);
      void push(call);
    };
    const unsubscribe = bus.subscribe(callId, (change) => send(change.call));
    if (callId !== null) {
      const current = await store.getCall(callId);
      if (current) send(current);
    }
    await stop;
    unsubscribe();
  });
}
