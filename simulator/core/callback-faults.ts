import type { AttemptFailure } from './callback-attempt.js';

/**
 * How callbacks misbehave on purpose (`PUT /control/faults/callbacks`), so the service's webhook
 * handling can be proven idempotent and order-tolerant. Applies to every call, running or new.
 */
export interface CallbackFaultConfig {
  /**
   * Every event is delivered `1 + duplicate` times, the copies one after the other with identical
   * bodies: v1 documents no delivery guarantee and puts no event id in its payloads, so receivers
   * must tolerate repeats.
   */
  duplicate: number;
  /**
   * Every event is sent no earlier than this long after it happened (latency, not spacing: events
   * of the same moment do not add up). A call's events still go out one at a time, in order.
   */
  delayMs: number;
  /**
   * Replaces the default retry policy: after a 5xx answer, a timeout or an unreachable receiver,
   * the same body is tried again up to `attempts` more times, `delayMs` apart, before the
   * fallback URL. Lets a test make the service fail once and prove the retried event applies once.
   */
  retryOnServerError?: { attempts: number; delayMs: number };
}

/** When and how often a failed delivery is tried again at the callback URL. */
interface RetryPolicy {
  /** Further tries after the first one. */
  retries: number;
  delayMs: number;
  retriesAfter(failure: AttemptFailure): boolean;
}

/**
 * Without a configured policy: one retry after 500 ms for any failure. v1 documents no retry
 * policy at all; this is the simulator's long-standing choice.
 */
const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ retries: 1, delayMs: 500, retriesAfter: () => true });

/**
 * A 3xx or 4xx is the receiver refusing this body, which sending it again would not change; only
 * "the server broke" (5xx) and "nobody answered" (timeout, unreachable) are worth another try.
 */
function isServerSideFailure(failure: AttemptFailure): boolean {
  return failure.reason !== 'status' || (failure.status !== undefined && failure.status >= 500);
}

const NO_FAULTS: Readonly<CallbackFaultConfig> = Object.freeze({ duplicate: 0, delayMs: 0 });

/** The current callback faults, shared by every call's queue and changed through the control API. */
export class CallbackFaults {
  private config: Readonly<CallbackFaultConfig> = NO_FAULTS;

  get duplicate(): number {
    return this.config.duplicate;
  }

  get delayMs(): number {
    return this.config.delayMs;
  }

  get retryPolicy(): RetryPolicy {
    const retry = this.config.retryOnServerError;
    if (retry === undefined) return DEFAULT_RETRY_POLICY;
    return { retries: retry.attempts, delayMs: retry.delayMs, retriesAfter: isServerSideFailure };
  }

  /** Replaces every callback fault at once; omitted ones go back to their defaults. */
  set(config: Partial<CallbackFaultConfig>): void {
    this.config = Object.freeze({ ...NO_FAULTS, ...config });
  }

  clear(): void {
    this.config = NO_FAULTS;
  }

  /** As the control API shows it: every field, `retryOnServerError: null` meaning the default policy. */
  view(): { duplicate: number; delayMs: number; retryOnServerError: { attempts: number; delayMs: number } | null } {
    return { duplicate: this.config.duplicate, delayMs: this.config.delayMs, retryOnServerError: this.config.retryOnServerError ?? null };
  }
}
