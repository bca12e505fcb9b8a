import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares digests so neither the length nor the content of a secret leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The user and password of an `Authorization: Basic …` header; undefined when it is not one. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator === -1) return undefined;
  return { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}
