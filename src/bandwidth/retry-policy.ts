import { HTTPError, type RequestError, type RetryObject } from 'got';
import { parseRateLimitReset } from './bandwidth-error.js';

const DEFAULT_RETRY_LIMIT = 3;
const DEFAULT_BACKOFF_CAP_MS = 5_000;
const DEFAULT_RATE_LIMIT_WAIT_CAP_MS = 30_000;
/** First back-off step; doubles per attempt. Short because 503 `call-unavailable` clears quickly. */
const BACKOFF_BASE_MS = 250;
/** Spread clients that wait for the same `X-RateLimit-Reset` so they do not all return at once. */
const RATE_LIMIT_JITTER_MS = 50;

/** Errnos of a connection that broke or never formed (got's own list plus a few Node reports). */
const TRANSIENT_ERRNOS = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRINUSE',
];
const SERVER_ERROR_STATUSES = Array.from({ length: 100 }, (_, index) => 500 + index);

/**
 * When a request may be sent again. Each rule lists exactly the failures after which a second copy
 * cannot do harm; got's defaults (which never retry POST, but would retry a POST we mark retryable on
 * any 5xx or reset) are replaced wholesale per request.
 */
export type RetryRule = 'repeatable' | 'start-audio' | 'create-call';

const RETRY_RULES: Record<RetryRule, { statusCodes: number[]; errorCodes: string[] }> = {
  // Reads, state updates and stop-audio end in the same state however often they are applied.
  repeatable: { statusCodes: [408, 429, ...SERVER_ERROR_STATUSES], errorCodes: TRANSIENT_ERRNOS },
  // A reset or timeout after sending may mean the file is already playing: only 429 and 503 (Bandwidth
  // refused) and ECONNREFUSED (nothing was sent) prove it is not.
  'start-audio': { statusCodes: [429, 503], errorCodes: ['ECONNREFUSED'] },
  // A second create rings the phone twice, so only proof that nothing happened allows a retry;
  // everything else is left to the caller, who can look the call up by its tag.
  'create-call': { statusCodes: [429], errorCodes: ['ECONNREFUSED'] },
};

export interface RetryPolicyOptions {
  /** How many times a failed request may be sent again, default 3. */
  retryLimit?: number;
  /**
   * Cap on any wait before a retry. Default: 5 000 ms for exponential back-off and 30 000 ms for
   * waiting out a 429's `X-RateLimit-Reset`; when set, it caps both.
   */
  maxRetryDelayMs?: number;
}

/**
 * Which failures of a request to Bandwidth are sent again, and after how long: exponential back-off
 * with jitter, or the wait a 429 names.
 */
export class RetryPolicy {
  readonly limit: number;
  private readonly backoffCapMs: number;
  private readonly rateLimitWaitCapMs: number;

  constructor(options: RetryPolicyOptions) {
    this.limit = nonNegativeInteger('retryLimit', options.retryLimit, DEFAULT_RETRY_LIMIT);
    const cap = options.maxRetryDelayMs === undefined ? undefined : nonNegative('maxRetryDelayMs', options.maxRetryDelayMs);
    this.backoffCapMs = cap ?? DEFAULT_BACKOFF_CAP_MS;
    this.rateLimitWaitCapMs = cap ?? DEFAULT_RATE_LIMIT_WAIT_CAP_MS;
  }

  /** The HTTP statuses and socket errors after which a request under `rule` may be sent again. */
  rule(rule: RetryRule): { statusCodes: number[]; errorCodes: string[] } {
    return RETRY_RULES[rule];
  }

  delayMs({ attemptCount, error, retryAfter }: RetryObject): number {
    const response = error.response;
    if (response?.statusCode === 429) {
      // X-RateLimit-Reset says when Bandwidth will accept again; backing off blindly could come back too early.
      const resetAt = parseRateLimitReset(response.headers['x-ratelimit-reset']);
      const waitMs = resetAt !== undefined ? resetAt.getTime() - Date.now() : retryAfter;
      if (waitMs !== undefined && Number.isFinite(waitMs)) {
        return clamp(Math.max(waitMs, 0) + Math.random() * RATE_LIMIT_JITTER_MS, 1, this.rateLimitWaitCapMs);
      }
    }
    // "Equal jitter": at least half the exponential step, so retries never bunch up near zero.
    const step = Math.min(this.backoffCapMs, BACKOFF_BASE_MS * 2 ** (attemptCount - 1));
    return Math.max(1, step / 2 + (Math.random() * step) / 2);
  }
}

/** Why an attempt failed, for the retry's log line: the status, or the socket error. */
export function failureReason(error: RequestError): string {
  return error instanceof HTTPError ? `status ${error.response.statusCode}` : (error.code ?? 'unknown error');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(max, min));
}

/** Checks a numeric client option, naming it; shared by the clients' own option checks. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`BandwidthV1Client: ${name} must be a positive number`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`BandwidthV1Client: ${name} must be a non-negative number`);
  return value;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`BandwidthV1Client: ${name} must be a non-negative integer`);
  return value;
}
