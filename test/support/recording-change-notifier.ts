import type { CallChange, ChangeNotifier } from '../../src/calls/change-notifier.js';

/** A {@link ChangeNotifier} that keeps a copy of every change it is told about, in order. */
export class RecordingChangeNotifier implements ChangeNotifier {
  readonly changes: CallChange[] = [];

  publish(change: CallChange): void {
    this.changes.push(structuredClone(change));
  }

  /** The changes of one call, in the order they were published. */
  of(callId: string): CallChange[] {
    return this.changes.filter((change) => change.callId === callId);
  }
}
