/** Whether a request path (without query string) is one of the v1 API's. */
export function isV1Path(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

const USER_PREFIX = /^\/v1\/users\/[^/]+/;

/** The part of a `/v1` path that API fault rules match: `/calls/c-…/audio` for `/v1/users/u-…/calls/c-…/audio`. */
export function faultPathOf(path: string): string {
  if (USER_PREFIX.test(path)) return path.replace(USER_PREFIX, '');
  return path.replace(/^\/v1/, '');
}
