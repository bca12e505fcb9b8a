import type { StatusFaultAction } from '../core/api-faults.js';
import { errorBodyOf, type ApiErrorBody, type ErrorDetail } from './api-error.js';

/** How long after a 429 the client may retry, when the rule does not say. */
const DEFAULT_RESET_AFTER_MS = 200;

/**
 * The body v1 documents for each status a test is likely to inject (bandwidth-v1.md §8), so a
 * rule usually needs nothing but the status. The 429 and 403 ones copy Bandwidth's own samples.
 */
const DOCUMENTED: Record<number, { category: string; code: string; message: string }> = {
  403: {
    category: 'limit',
    code: 'call-rate-limit',
    message: 'You can create 1 calls per 1 seconds, calculated as the average over 10 seconds. Your rate is: 1.1',
  },
  429: { category: 'too-many-requests', code: 'rate-limit-reached', message: 'Rate limit reached; retry after the time in X-RateLimit-Reset' },
  500: { category: 'unavailable', code: 'internal-error', message: 'An internal error occurred' },
  503: { category: 'unavailable', code: 'call-unavailable', message: 'The call is being initialized and cannot be modified now, retry later' },
};

/** Other statuses have no documented body; the code says plainly that the simulator made it up. */
function undocumented(status: number): { category: string; code: string; message: string } {
  return {
    category: status >= 500 ? 'unavailable' : 'bad-request',
    code: 'simulated-fault',
    message: `Fault injected by the simulator (HTTP ${status})`,
  };
}

interface InjectedErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ApiErrorBody;
}

/** The answer a `status` fault gives: the documented body for the status, overridden by the rule. */
export function injectedErrorResponse(action: StatusFaultAction, method: string, path: string, now = Date.now()): InjectedErrorResponse {
  const fields = { ...(DOCUMENTED[action.status] ?? undocumented(action.status)), ...action.body };
  const headers: Record<string, string> = {};
  const extraDetails: ErrorDetail[] = [];
  if (action.status === 429) {
    // Epoch milliseconds, as in Bandwidth's sample; the body repeats it like the real one does.
    const resetAt = String(now + (action.resetAfterMs ?? DEFAULT_RESET_AFTER_MS));
    headers['X-RateLimit-Reset'] = resetAt;
    extraDetails.push({ name: 'rateLimitResetTime', value: resetAt });
  }
  Object.assign(headers, action.headers);
  return { status: action.status, headers, body: errorBodyOf(fields, method, path, extraDetails) };
}
