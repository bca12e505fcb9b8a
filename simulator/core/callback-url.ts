/**
 * Helpers for URLs that may carry basic-auth credentials (`https://user:pass@host/path`).
 *
 * Bandwidth v1 authenticates callbacks only through credentials embedded in the callback URL, so
 * the simulator must accept them, use them, and keep them out of every response and log.
 */

/** True for an absolute `http:`/`https:` URL with a host: the only kind Bandwidth can call back. */
export function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The URL with any `user:pass@` removed; unparseable input is returned unchanged. */
export function withoutCredentials(value: string): string {
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return value;
  }
}

function decodeCredentialPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A stray `%` is not worth failing a delivery over; send what the user wrote.
    return part;
  }
}

/**
 * Splits a callback URL into the URL to request and the `Authorization` header its embedded
 * credentials stand for (absent when it has none).
 */
export function splitCredentials(value: string): { url: string; authorization?: string } {
  const url = new URL(value);
  if (url.username === '' && url.password === '') return { url: url.toString() };
  const user = decodeCredentialPart(url.username);
  const password = decodeCredentialPart(url.password);
  url.username = '';
  url.password = '';
  const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return { url: url.toString(), authorization: `Basic ${token}` };
}
