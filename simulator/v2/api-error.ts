/**
 * Errors of the simulated v2 API, in its documented body `{type, description, id}`
 * (bandwidth-v2.md §7.1).
 */

export interface V2ErrorBody {
  type: string;
  description: string;
  id: string | null;
}

/** A refusal of the simulated v2 API; route handlers throw it and the error handler renders it. */
export class V2ApiError extends Error {
  override readonly name: string = 'V2ApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    readonly description: string,
    readonly id: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  get body(): V2ErrorBody {
    return { type: this.type, description: this.description, id: this.id };
  }
}

export function validationError(description: string): V2ApiError {
  return new V2ApiError(400, 'validation', description);
}

export function callNotFound(callId: string): V2ApiError {
  return new V2ApiError(404, 'validation', `Call [${callId}] not found`);
}

/** The errors page's 409, `id` an empty string as there. */
export function cannotModify(callId: string): V2ApiError {
  return new V2ApiError(409, 'validation', `Call [${callId}] cannot be modified in its current state`, '');
}

export function authenticationError(): V2ApiError {
  return new V2ApiError(401, 'authentication-error', 'The credentials provided were invalid');
}

export function unsupportedMediaType(contentType: string | undefined): V2ApiError {
  return new V2ApiError(415, 'validation', `Content type '${contentType ?? ''}' not supported`);
}

/** 429 over the call rate limit, with the `Retry-After` (seconds) the spec announces. */
export function callRateLimited(retryAfterSeconds: number): V2ApiError {
  return new V2ApiError(429, 'error', 'Account call creation rate limit exceeded', '', { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * An OAuth token endpoint refusal: RFC 6749 §5.2 bodies `{error, error_description}`, since
 * Bandwidth documents none of its own (bandwidth-v2.md §2.2).
 */
export class OAuthError extends Error {
  override readonly name: string = 'OAuthError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorDescription: string,
  ) {
    super(errorDescription);
  }

  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.errorDescription };
  }
}
