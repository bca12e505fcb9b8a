import type { CallRateLimit } from './settings.js';

/** A create the limit refuses: the limit, and the creates in its window counting this attempt. */
export interface CallRateExcess {
  limit: CallRateLimit;
  rate: number;
}

/**
 * The outbound call rate limit (bandwidth-v1.md §8.3), as a sliding window: a create is refused
 * while `calls` creates already succeeded in the last `perMs`. Only successful creates count,
 * since a refused one created nothing. Each API version words the refusal its own way.
 */
export class CallRateLimiter {
  /** Epoch ms of the successful creates still inside the window. */
  private creates: number[] = [];

  /** What a create now would exceed, or undefined when it may go ahead. */
  excess(limit: CallRateLimit | null, now = Date.now()): CallRateExcess | undefined {
    if (limit === null) return undefined;
    this.forgetBefore(now - limit.perMs);
    if (this.creates.length < limit.calls) return undefined;
    return { limit, rate: this.creates.length + 1 };
  }

  /**
   * Counts a successful create. Without a limit nothing is kept: creates made while unlimited do
   * not count against a limit set later, so a test's limit starts from a clean window.
   */
  recordCreate(limit: CallRateLimit | null, now = Date.now()): void {
    if (limit === null) return;
    this.forgetBefore(now - limit.perMs);
    this.creates.push(now);
  }

  clear(): void {
    this.creates = [];
  }

  private forgetBefore(windowStart: number): void {
    this.creates = this.creates.filter((at) => at > windowStart);
  }
}
