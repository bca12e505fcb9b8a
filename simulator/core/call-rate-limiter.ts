import { ApiError } from '../v1/api-error.js';
import type { CallRateLimit } from './settings.js';

/** `0.5`, `1`, `2.5`: seconds as v1's message prints them, without trailing zeros. */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

/**
 * v1's outbound call rate limit (bandwidth-v1.md §8.3), as a sliding window: a create is refused
 * with `403 call-rate-limit` (not 429) while `calls` creates already succeeded in the last `perMs`.
 * Only successful creates count, since a refused one created nothing.
 */
export class CallRateLimiter {
  /** Epoch ms of the successful creates still inside the window. */
  private creates: number[] = [];

  /** The refusal for a create now, or undefined when it may go ahead. */
  refusal(limit: CallRateLimit | null, now = Date.now()): ApiError | undefined {
    if (limit === null) return undefined;
    this.forgetBefore(now - limit.perMs);
    if (this.creates.length < limit.calls) return undefined;
    const window = seconds(limit.perMs);
    // Bandwidth's wording, with the window as both period and sample; the rate counts this attempt.
    const message = `You can create ${limit.calls} calls per ${window} seconds, calculated as the average over ${window} seconds. Your rate is: ${this.creates.length + 1}`;
    return new ApiError(403, 'limit', 'call-rate-limit', message);
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
