import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../config.js';

/**
 * Compares secrets in constant time. Both sides are hashed first so neither the length nor the
 * position of the first differing byte shows in the timing.
 */
function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Whether an `Authorization: Basic …` header carries exactly these credentials. */
export function basicAuthMatches(header: string | undefined, username: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const pass = colon >= 0 ? decoded.slice(colon + 1) : '';
  // Evaluate both comparisons every time: short-circuiting would time the username check alone.
  const userOk = safeEqual(user, username);
  const passOk = safeEqual(pass, password);
  return match !== null && userOk && passOk;
}

/** The token of an `Authorization: Bearer …` header, or a bare token, if any. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * The configured API token `token` is, if any. Every configured token is compared, in constant
 * time, so the timing tells neither whether nor which one matched.
 */
export function matchApiToken(token: string | undefined, configured: readonly ApiToken[]): ApiToken | undefined {
  let match: ApiToken | undefined;
  for (const candidate of configured) {
    if (safeEqual(token ?? '', candidate.token)) match = candidate;
  }
  return token === undefined ? undefined : match;
}

/**
 * A short name for an API token that is safe to log, store and show: the first 12 hex digits of
 * its SHA-256. It identifies the token among the configured ones but cannot be turned back into it.
 */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
