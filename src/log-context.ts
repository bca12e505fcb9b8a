import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written within a piece of work carries, whichever logger writes it. */
export interface LogContext {
  /** Our id of the call the work is about. */
  callId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` (and everything it starts: promises, timers, requests) with `callId` on every log
 * line. The requests a call's change decides are sent by code that knows nothing of the call
 * (the Bandwidth client); this is how their lines still say which call they were for.
 */
export function withCallLogContext<T>(callId: string, work: () => T): T {
  return storage.run({ ...storage.getStore(), callId }, work);
}

/** The current context's fields, for the logger's `mixin`. */
export function logContextFields(): LogContext {
  return storage.getStore() ?? {};
}
