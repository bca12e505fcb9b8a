import { useEffect, useState } from 'react';
import type { ApiError } from './api-connection';
import { useConnection } from './connection-context';
import { CallEventsSubscription } from './documents';
import type { ConsoleCallEventsSubscription } from './gql/graphql';

export type CallEventView = ConsoleCallEventsSubscription['callEvents'];

export type TimelineEntry =
  | { kind: 'event'; event: CallEventView }
  /** The connection dropped and the subscription was sent again, after this sequence. */
  | { kind: 'resumed'; afterSequence: number; at: Date; id: number }
  /** Sequences that never arrived. The API promises there are none; the console would show it if there were. */
  | { kind: 'gap'; from: number; to: number };

export interface CallTimeline {
  entries: TimelineEntry[];
  error: ApiError | undefined;
}

/**
 * A call's event log, then its events as they are recorded, through `callEvents`. The last
 * sequence seen goes into `afterSequence` each time the subscription is sent, so a reconnect
 * picks up exactly where the page left off: nothing missed, nothing twice.
 */
export function useCallTimeline(callId: string): CallTimeline {
  const connection = useConnection();
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    let lastSequence = 0;
    let resumes = 0;
    setEntries([]);
    setError(undefined);
    return connection.subscribe(CallEventsSubscription, () => ({ callId, afterSequence: lastSequence }), {
      next: ({ callEvents: event }) => {
        if (event.sequence <= lastSequence) return;
        const missing = event.sequence > lastSequence + 1 ? [{ kind: 'gap' as const, from: lastSequence + 1, to: event.sequence - 1 }] : [];
        lastSequence = event.sequence;
        setEntries((shown) => [...shown, ...missing, { kind: 'event', event }]);
      },
      error: setError,
      subscribed: (resumed) => {
        if (resumed) setEntries((shown) => [...shown, { kind: 'resumed', afterSequence: lastSequence, at: new Date(), id: (resumes += 1) }]);
      },
    });
  }, [connection, callId]);

  return { entries, error };
}
