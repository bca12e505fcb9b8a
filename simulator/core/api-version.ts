import type { StatusFaultAction } from './api-faults.js';

/** An answer in an API version's own error body. */
export interface ApiErrorResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * What the shared request handling needs to know about one Bandwidth API version: which requests
 * are its (those are recorded in the request log and subject to API faults), which part of their
 * path fault rules match, and how it words errors, so that every failure, injected or not, comes
 * in that API's documented error body. Its routes and authentication it installs itself.
 */
export interface ApiVersion {
  /** `v1`, `v2`: what fault rules name in `api` to apply to this version only. */
  readonly name: string;
  /** Whether a request path (without query string) belongs to this API. */
  ownsPath(path: string): boolean;
  /** The part of one of its paths that API fault rules match: what follows the user or account. */
  faultPathOf(path: string): string;
  /** The answer a `status` fault gives, with the body the API documents for that status. */
  injectedError(action: StatusFaultAction, method: string, path: string): ApiErrorResponse;
  /** Whether the error is one of the API's own refusals, which is rendered as is and not logged as a failure. */
  isRefusal(error: unknown): boolean;
  /** Any error thrown while handling one of its requests (a refusal, Fastify's, a crash). */
  errorResponse(error: unknown, method: string, path: string): ApiErrorResponse;
  /** The answer to a request no route serves. */
  notFoundResponse(method: string, path: string): ApiErrorResponse;
}

/**
 * The API version a request path belongs to. Several versions share one server; a path that is
 * none of theirs is answered by the first (v1, which always answered them).
 */
export function apiOwning(apis: readonly ApiVersion[], path: string): ApiVersion | undefined {
  return apis.find((api) => api.ownsPath(path));
}

export function apiAnswering(apis: readonly ApiVersion[], path: string): ApiVersion {
  return apiOwning(apis, path) ?? apis[0];
}
