import { Repeater } from '@repeaterjs/repeater';
import type { CallEventRecord, CallRecord } from '../calls/call.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from './pubsub.js';

const PAGE = 500;

/**
 * A call's event log after `afterSequence`, then every event as it is committed.
 *
 * The listener is attached before the first read, and every read continues from the last
 * sequence sent, so the seam between replay and live has no gap and no duplicate; rings that
 * arrive mid-read just cause one more read.
 */
export function callEventStream(
  store: CallStore,
  bus: CallChangeBus,
  callId: string,
  afterSequence: number,
): AsyncIterable<CallEventRecord> {
  return new Repeater<CallEventRecord>(async (push, stop) => {
    let cursor = afterSequence;
    let reading: Promise<void> | null = null;
    let rangAgain = false;
    let stopped = false;

    const readAll = async (): Promise<void> => {
      do {
        rangAgain = false;
        for (;;) {
          const batch = await store.listEvents(callId, cursor, PAGE);
          for (const event of batch) {
            if (stopped) return;
            cursor = event.sequence;
            await push(event);
          }
          if (batch.length < PAGE) break;
        }
      } while (rangAgain && !stopped);
    };
    const ring = (): void => {
      if (reading) {
        rangAgain = true;
        return;
      }
      reading = readAll()
        .catch((error: unknown) => stop(error))
        .finally(() => {
          reading = null;
          if (rangAgain && !stopped) ring();
        });
    };

    const unsubscribe = bus.subscribe(callId, ring);
    ring();
    await stop;
    stopped = true;
    unsubscribe();
  });
}

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
