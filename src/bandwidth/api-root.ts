/**
 * The absolute root every request of a client goes under: `baseUrl` (an origin, maybe with a path
 * prefix of a proxy) followed by the API's own `path`. Checked once, at construction, so a wrong
 * setting fails at start-up with the option's name rather than at the first call.
 */
export function apiRoot(baseUrl: string, options: { client: string; option: string; path: string; refusedSuffix: RegExp; credentialsHint: string }): string {
  const { client, option } = options;
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(`${client}: ${option} must be an absolute http(s) URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError(`${client}: ${option} must be an absolute http(s) URL`);
  if (base.username !== '' || base.password !== '') {
    throw new TypeError(`${client}: ${option} must not carry credentials; ${options.credentialsHint}`);
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  if (options.refusedSuffix.test(prefix)) {
    throw new TypeError(`${client}: ${option} must not end in ${options.refusedSuffix.source.replace(/\\|\$/g, '')}; the client adds ${options.path} itself`);
  }
  return `${base.origin}${prefix}${options.path}`;
}
