import { withoutCredentials } from './callback-url.js';

/** Fields whose value is a secret, in either API's requests (callback passwords, the OAuth client secret). */
const SECRET_FIELDS = new Set(['password', 'fallbackPassword', 'client_secret']);
/** Attributes of BXML (or any XML) text that hold a secret. */
const SECRET_ATTRIBUTE = /\b(password|fallbackPassword)(\s*=\s*)("[^"]*"|'[^']*')/g;

/**
 * A value as the control API shows it, whatever it came from (a request body, a callback, a
 * BXML reply): secret fields and attributes masked as Bandwidth masks them (`*****`), URLs without
 * their `user:pass@`. The control API is the simulator's own, on loopback, but what it shows ends
 * up in test output and bug reports.
 */
export function redactSecrets<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') {
    if (/^https?:\/\/[^/]*@/i.test(value)) return withoutCredentials(value);
    return value.includes('<') ? value.replace(SECRET_ATTRIBUTE, (_match, name: string, equals: string) => `${name}${equals}"*****"`) : value;
  }
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, field]) => [name, SECRET_FIELDS.has(name) && field !== null && field !== undefined ? '*****' : redact(field)]),
  );
}
