import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api-connection';
import { useConnection } from './connection-context';
import { CallsQuery, CallUpdatedSubscription } from './documents';
import type { CallFieldsFragment } from './gql/graphql';

/** How many of the newest calls the list loads; later ones arrive through `callUpdated`. */
const LOADED_CALLS = 50;
/** How many calls the page keeps, newest first: on a busy service the list must not grow without end. */
const KEPT_CALLS = 200;

export interface LiveCalls {
  /** Newest first. */
  calls: CallFieldsFragment[];
  error: ApiError | undefined;
  /** Takes in a call a mutation returned, so the page need not wait for its update. */
  merge(call: CallFieldsFragment): void;
}

/** Keeps whichever copy of a call has seen more of its log: updates can overtake a page load. */
function newer(known: CallFieldsFragment | undefined, incoming: CallFieldsFragment): boolean {
  return !known || incoming.lastSequence >= known.lastSequence;
}

function newestFirst(calls: CallFieldsFragment[]): CallFieldsFragment[] {
  return calls.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/**
 * The calls list, live: `callUpdated` for every call, and the first page of `calls` loaded after
 * the subscription is on its socket. The subscription has no cursor, so after a dropped
 * connection the page is loaded again to pick up what changed meanwhile.
 */
export function useLiveCalls(): LiveCalls {
  const connection = useConnection();
  const [byId, setById] = useState<ReadonlyMap<string, CallFieldsFragment>>(new Map());
  const [error, setError] = useState<ApiError>();

  const mergeAll = useCallback((incoming: readonly CallFieldsFragment[]) => {
    setById((known) => {
      const next = new Map(known);
      for (const call of incoming) if (newer(next.get(call.id), call)) next.set(call.id, call);
      if (next.size <= KEPT_CALLS) return next;
      return new Map(newestFirst([...next.values()]).slice(0, KEPT_CALLS).map((call) => [call.id, call]));
    });
  }, []);

  useEffect(() => {
    const load = (): void => {
      connection
        .request(CallsQuery, { first: LOADED_CALLS })
        .then((data) => {
          setError(undefined);
          mergeAll(data.calls.nodes);
        })
        .catch((failure: unknown) => {
          if (failure instanceof ApiError && failure.code !== 'NOT_CONNECTED' && failure.code !== 'UNAUTHENTICATED') setError(failure);
        });
    };
    return connection.subscribe(CallUpdatedSubscription, () => ({}), {
      next: (data) => mergeAll([data.callUpdated]),
      error: setError,
      subscribed: load,
    });
  }, [connection, mergeAll]);

  const calls = newestFirst([...byId.values()]);
  const merge = useCallback((call: CallFieldsFragment) => mergeAll([call]), [mergeAll]);
  return { calls, error, merge };
}
