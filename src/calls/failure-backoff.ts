/** First wait before an outbox request whose attempt failed on our side (the store) is made again. */
const FIRST_WAIT_MS = 500;
/** The wait doubles with each failure in a row, up to this. */
const MAX_WAIT_MS = 8000;

/**
 * How long to wait before attempt `failures + 1` of a request whose last `failures` attempts
 * failed on our side: soon enough that a database blip delays a call by seconds, not by the
 * outbox sweep's half lease; spaced enough that an outage is not hammered.
 */
export function waitAfterFailures(failures: number): number {
  return Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.max(0, failures - 1));
}
