import type { CallRecord } from './call.js';

/** Announces that a call's record or log changed, after the change is committed. */
export interface CallChange {
  callId: string;
  /** The call's `lastSequence` after the change. */
  sequence: number;
  call: CallRecord;
}

export interface ChangeNotifier {
  publish(change: CallChange): void;
}
