import type { ApiErrorResponse, ApiVersion } from '../core/api-version.js';
import { httpStatusOf } from '../core/error-responses.js';
import { MalformedJsonError } from '../core/json-body-parser.js';
import { ApiError, errorBody, validationError } from './api-error.js';
import { faultPathOf, isV1Path } from './api-paths.js';
import { injectedErrorResponse } from './injected-errors.js';

/** Any error as a v1 API error, so every failure has the documented body shape. */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof MalformedJsonError) return validationError(error.message);
  const status = httpStatusOf(error);
  if (status === 415) return new ApiError(415, 'bad-request', 'unsupported-media-type', 'Request bodies must be JSON (Content-Type: application/json)');
  if (status === 413) return new ApiError(413, 'bad-request', 'request-too-large', 'The request body is too large');
  if (status < 500) return validationError((error as Error).message);
  return new ApiError(500, 'unavailable', 'internal-error', 'The simulator failed to handle the request');
}

function response(error: ApiError, method: string, path: string): ApiErrorResponse {
  return { status: error.status, body: errorBody(error, method, path) };
}

/**
 * The v1 API as the shared request handling sees it: everything under `/v1`, fault rules matched
 * after `/v1/users/{userId}`, and v1's `{category, code, message, details}` error body. It also
 * answers requests outside every API, which the v1 simulator always did.
 */
export const V1_API: ApiVersion = {
  name: 'v1',
  ownsPath: isV1Path,
  faultPathOf,
  injectedError: (action, method, path) => injectedErrorResponse(action, method, path),
  isRefusal: (error) => error instanceof ApiError,
  errorResponse: (error, method, path) => response(asApiError(error), method, path),
  notFoundResponse: (method, path) =>
    response(new ApiError(404, 'not-found', 'resource-not-found', `The resource ${method} ${path} does not exist`), method, path),
};
