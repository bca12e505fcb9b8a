import { Repeater } from '@repeaterjs/repeater';
import type { PubSub } from 'type-graphql';
import type { CallChange, ChangeNotifier } from '../calls/change-notifier.js';

export type ChangeListener = (change: CallChange) => void;

/**
 * Where committed call changes meet subscriptions. It is a doorbell, not a log: a listener that
 * needs every event reads them from the store, so a missed ring can delay an update but never
 * lose one.
 */
export interface CallChangeBus extends ChangeNotifier {
  /** Listens to one call's changes, or every call's when `callId` is null. Returns the unsubscribe. */
  subscribe(callId: string | null, listener: ChangeListener): () => void;
  /** Whether notifications flow (for readiness checks). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

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

/** The one topic of the bus, for resolvers that use type-graphql's `topics` option. */
export const CALL_CHANGED = 'CALL_CHANGED';

/**
 * The bus seen through type-graphql's `PubSub` interface (topic `CALL_CHANGED`, dynamic id = call
 * id), so `@Subscription({ topics })` resolvers work over the same bus as the streaming ones.
 */
export function toTypeGraphQLPubSub(bus: CallChangeBus): PubSub {
  const checkTopic = (topic: string): void => {
    if (topic !== CALL_CHANGED) throw new Error(`unknown subscription topic ${topic}`);
  };
  return {
    publish(topic, ...args) {
      checkTopic(topic);
      bus.publish(args.at(-1) as CallChange);
    },
    subscribe(topic, callId) {
      checkTopic(topic);
      return new Repeater<CallChange>(async (push, stop) => {
        const unsubscribe = bus.subscribe(typeof callId === 'string' ? callId : null, (change) => void push(change));
        await stop;
        unsubscribe();
      });
    },
  };
}
