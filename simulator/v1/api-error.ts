import type { CallRateExcess } from '../core/call-rate-limiter.js';

/**
 * Errors of the simulated v1 API, rendered in the documented error body shape
 * `{category, code, message, details: [{name, value}]}`.
 */

/** Categories used by the v1 API (lower-case, hyphenated, as in its HTTP error bodies). */
type ErrorCategory =
  | 'authentication'
  | 'authorization'
  | 'bad-request'
  | 'forbidden'
  | 'limit'
  | 'not-found'
  | 'too-many-requests'
  | 'unavailable';

export interface ErrorDetail {
  name: string;
  value: string;
}

export interface ApiErrorBody {
  /** A string, not an `ErrorCategory`: injected faults may imitate any body a test needs. */
  category: string;
  code: string;
  message: string;
  details: ErrorDetail[];
}

/** A refusal of the simulated API; route handlers throw it and the error handler renders it. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly status: number,
    readonly category: ErrorCategory,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request description Bandwidth puts in `details`; its paths read `users/u-…/calls`, without `/v1/`. */
function requestDetails(method: string, path: string): ErrorDetail[] {
  return [
    { name: 'requestMethod', value: method },
    { name: 'requestPath', value: path.replace(/^\/v1\//, '') },
  ];
}

export function errorBody(error: ApiError, method: string, path: string): ApiErrorBody {
  return { category: error.category, code: error.code, message: error.message, details: requestDetails(method, path) };
}

/** An error body from its fields, for injected faults; `extraDetails` go before the request description, as v1 orders them. */
export function errorBodyOf(
  fields: { category: string; code: string; message: string },
  method: string,
  path: string,
  extraDetails: ErrorDetail[] = [],
): ApiErrorBody {
  return { ...fields, details: [...extraDetails, ...requestDetails(method, path)] };
}

export function validationError(message: string): ApiError {
  return new ApiError(400, 'bad-request', 'validation-error', message);
}

export function callNotFound(callId: string): ApiError {
  return new ApiError(404, 'not-found', 'call-not-found', `The call ${callId} could not be found`);
}

export function callInvalidState(message: string): ApiError {
  return new ApiError(403, 'forbidden', 'call-invalid-state', message);
}

export function callAudioInvalidState(callId: string, reason: string): ApiError {
  return new ApiError(403, 'forbidden', 'call-audio-invalid-state', `The audio for call ${callId} could not be updated. ${reason}`);
}

/** `0.5`, `1`, `2.5`: seconds as v1's message prints them, without trailing zeros. */
function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

/** v1 refuses a create over its call rate limit with `403 call-rate-limit`, not 429. */
export function callRateLimited({ limit, rate }: CallRateExcess): ApiError {
  const window = seconds(limit.perMs);
  // Bandwidth's wording, with the window as both period and sample; the rate counts this attempt.
  const message = `You can create ${limit.calls} calls per ${window} seconds, calculated as the average over ${window} seconds. Your rate is: ${rate}`;
  return new ApiError(403, 'limit', 'call-rate-limit', message);
}
