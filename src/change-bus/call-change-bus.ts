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
