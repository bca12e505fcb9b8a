/**
 * Readers of environment variables, shared by the service's configuration and the standalone
 * simulator. A problem names the variable at fault and never echoes its value, since several of
 * them are secrets. Values are trimmed, and a blank one counts as unset (an empty `VAR=` line in a
 * `.env` file asks for the default), except where `text` says otherwise.
 */

export type Env = Record<string, string | undefined>;

/** A variable set to something unusable; the process should stop and say which. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function valueOf(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A whole number from `min` to `max`; `fallback` when unset. */
export function integer<F extends number | undefined>(env: Env, name: string, fallback: F, min: number, max: number): number | F {
  const raw = valueOf(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A non-negative number, decimals allowed, from `min` to `max`; `fallback` when unset. */
export function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = valueOf(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** `true` or `false`, in any case; `fallback` when unset. */
export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = valueOf(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false`);
  return raw === 'true';
}

/**
 * A text that may not be blank: `fallback` only when the variable is not set at all, since a user
 * id or secret set to nothing is a mistake to report, not a request for the default.
 */
export function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const value = raw.trim();
  if (value === '') throw new ConfigError(`${name} must not be empty`);
  return value;
}

/**
 * An absolute http(s) URL as given, or undefined when unset. `credentials: 'refused'` for URLs
 * that are logged or shown; callback URLs may carry `user:pass@`, which the message never repeats.
 */
export function httpUrl(env: Env, name: string, options: { credentials: 'allowed' | 'refused' }): string | undefined {
  const raw = valueOf(env, name);
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw)) throw new ConfigError(`${name} must be an absolute http(s) URL`);
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an absolute http(s) URL`);
  if (options.credentials === 'refused' && (url.username || url.password)) throw new ConfigError(`${name} must not contain credentials`);
  return raw;
}

/** A base URL that paths are appended to: http(s), no credentials, no trailing slash. */
export function baseUrl(env: Env, name: string): string | undefined {
  return httpUrl(env, name, { credentials: 'refused' })?.replace(/\/+$/, '');
}
