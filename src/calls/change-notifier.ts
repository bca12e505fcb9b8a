import type { CallEventRecord, CallRecord } from './call.js';

/** Announces that a call's record or log changed, after the change is committed. */
export interface CallChange {
  callId: string;
  /** The call's `lastSequence` after the change. */
  sequence: number;
  call: CallRecord;
  /**
   * The events the change appended to the call's log, in order, when the publisher has them at
   * hand. Listeners in the same process may use them instead of reading the log back; a bus that
   * crosses processes leaves them out.
   */
  events?: readonly CallEventRecord[];
}

export interface ChangeNotifier {
  publish(change: CallChange): void;
}
