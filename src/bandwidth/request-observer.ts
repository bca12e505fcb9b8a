import { RequestError, type AfterResponseHook, type BeforeRequestHook, type BeforeRetryHook } from 'got';
import type { DomainLogger } from '../calls/domain-logger.js';

/** What of the service's logger the Bandwidth clients write to: a line per attempt, one per retry. */
export type BandwidthClientLogger = Pick<DomainLogger, 'debug' | 'warn'>;

/**
 * Watches requests to Bandwidth. `endpoint` is the method and path template
 * (`POST /calls/{callId}/audio`), never a path with ids in it.
 */
export interface BandwidthRequestObserver {
  /** One attempt ended: with Bandwidth's HTTP status, or `error` when no answer came (timeout, reset). */
  attempted(endpoint: string, outcome: number | 'error', durationMs: number): void;
  /** An attempt failed and the request is being sent again. */
  retried(endpoint: string): void;
}


/**
 * got hooks that time each attempt at `endpoint` and tell `observer` of it (Bandwidth's status, or
 * `error` when no answer came) and of each retry; `failed` counts a last attempt that got no
 * answer. Shared by the API client and the OAuth token requests. Put `hooks.beforeRequest` after
 * any hook that must run before the attempt is timed.
 */
export function observeAttempts(observer: BandwidthRequestObserver | undefined, endpoint: string) {
  let startedAt = performance.now();
  const elapsedMs = (): number => Math.round(performance.now() - startedAt);
  const beforeRequest: BeforeRequestHook = () => void (startedAt = performance.now());
  const afterResponse: AfterResponseHook = (response) => {
    observer?.attempted(endpoint, response.statusCode, elapsedMs());
    return response;
  };
  const beforeRetry: BeforeRetryHook = (error) => {
    if (!error.response) observer?.attempted(endpoint, 'error', elapsedMs());
    observer?.retried(endpoint);
  };
  return {
    elapsedMs,
    hooks: { beforeRequest: [beforeRequest], afterResponse: [afterResponse], beforeRetry: [beforeRetry] },
    failed(error: unknown): void {
      if (error instanceof RequestError && !error.response) observer?.attempted(endpoint, 'error', elapsedMs());
    },
  };
}
