/** Where the v2 Voice API lives: `Configuration.basePath` of the official SDK is `{simulator}/api/v2`. */
export const V2_PREFIX = '/api/v2';

/** Bandwidth's OAuth token endpoint (on its identity host; the simulator serves it on the same port). */
export const TOKEN_PATH = '/api/v1/oauth2/token';

const ACCOUNT_PREFIX = /^\/api\/v2\/accounts\/([^/]+)/;

/** Whether a request path (without query string) is one of the v2 API's, its token endpoint included. */
export function isV2Path(path: string): boolean {
  return path === V2_PREFIX || path.startsWith(`${V2_PREFIX}/`) || path === TOKEN_PATH;
}

/** What fault rules match: `/calls/c-…/bxml` for `/api/v2/accounts/{id}/calls/c-…/bxml`, `/oauth2/token` for the token endpoint. */
export function faultPathOf(path: string): string {
  if (path === TOKEN_PATH) return '/oauth2/token';
  if (ACCOUNT_PREFIX.test(path)) return path.replace(ACCOUNT_PREFIX, '');
  return path.slice(V2_PREFIX.length);
}

export function accountIdInPath(path: string): string | undefined {
  const raw = ACCOUNT_PREFIX.exec(path)?.[1];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
