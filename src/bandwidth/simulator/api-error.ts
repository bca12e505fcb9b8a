/**
 * Errors of the simulated v1 API, rendered in the documented error body shape
 * `{category, code, message, details: [{name, value}]}`.
 */

/** Categories used by the v1 API (lower-case, hyphenated, as in its HTTP error bodies). */
export type ErrorCategory = 'authentication' | 'authorization' | 'bad-request' | 'forbidden' | 'not-found' | 'unavailable';

export interface ErrorDetail {
  name: string;
  value: string;
}

export interface ApiErrorBody {
  category: ErrorCategory;
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
