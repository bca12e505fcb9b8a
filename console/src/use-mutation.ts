import { useState } from 'react';
import { ApiError } from './api-connection';

export interface Mutation {
  run(): Promise<void>;
  pending: boolean;
  error: ApiError | undefined;
}

/** Runs a request, keeping whether it is in flight and how it failed, for a form or a button. */
export function useMutation(send: () => Promise<unknown>): Mutation {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = async (): Promise<void> => {
    setPending(true);
    setError(undefined);
    try {
      await send();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(String(failure), 'CONSOLE_ERROR'));
    } finally {
      setPending(false);
    }
  };
  return { run, pending, error };
}
