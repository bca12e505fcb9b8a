import type { ApiErrorResponse, ApiVersion } from '../core/api-version.js';
import { httpStatusOf } from '../core/error-responses.js';
import { MalformedJsonError } from '../core/json-body-parser.js';
import { OAuthError, unsupportedMediaType, V2ApiError, validationError } from './api-error.js';
import { faultPathOf, isV2Path, TOKEN_PATH } from './api-paths.js';
import { injectedV2Error } from './injected-errors.js';

/** Any error as a v2 error body (or, on the token endpoint, an OAuth one). */
function asV2Error(error: unknown): V2ApiError {
  if (error instanceof V2ApiError) return error;
  if (error instanceof MalformedJsonError) return validationError(error.message);
  const status = httpStatusOf(error);
  if (status === 415) return unsupportedMediaType((error as Error).message.replace(/^.*?'(.*)'.*$/, '$1'));
  if (status === 413) return validationError('The request body is too large');
  if (status < 500) return validationError((error as Error).message);
  return new V2ApiError(500, 'internal-error', 'An unknown internal error occurred');
}

function response(error: V2ApiError): ApiErrorResponse {
  return { status: error.status, headers: error.headers, body: error.body };
}

/**
 * The v2 API as the shared request handling sees it: everything under `/api/v2` plus the OAuth
 * token endpoint, fault rules matched after `/api/v2/accounts/{accountId}`, `{type, description,
 * id}` error bodies (OAuth error bodies on the token endpoint).
 */
export const V2_API: ApiVersion = {
  name: 'v2',
  ownsPath: isV2Path,
  faultPathOf,
  injectedError: (action) => injectedV2Error(action),
  isRefusal: (error) => error instanceof V2ApiError || error instanceof OAuthError,
  errorResponse: (error, _method, path) => {
    if (error instanceof OAuthError) return { status: error.status, body: error.body };
    if (path === TOKEN_PATH && !(error instanceof V2ApiError)) {
      const status = httpStatusOf(error);
      return status < 500
        ? { status: 400, body: { error: 'invalid_request', error_description: (error as Error).message } }
        : { status: 500, body: { error: 'server_error', error_description: 'The simulator failed to handle the request' } };
    }
    return response(asV2Error(error));
  },
  notFoundResponse: (method, path) => response(new V2ApiError(404, 'validation', `The resource ${method} ${path} was not found`)),
};
