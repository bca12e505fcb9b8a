/** Everything about the v2 API's account a test or `npm run simulator` may choose. */
export interface V2SimulatorOptions {
  /** The only account; other account ids in paths get `401`. Default `9900000` (Bandwidth's example). */
  accountId?: string;
  /** The account's Voice applications; a create must name one. The first receives injected inbound calls by default. */
  applicationIds?: string[];
  /** The API user (HTTP Basic) the API accepts; Bandwidth's legacy credentials. */
  apiUser?: { username: string; password: string };
  /** The OAuth client whose client-credentials grant yields bearer tokens. */
  oauthClient?: { clientId: string; clientSecret: string };
  /** The first application's initiate URL (may carry `user:pass@`, used as its callback credentials). */
  initiateUrl?: string;
  /** The first application's status URL (the `disconnect` of inbound calls). */
  statusUrl?: string;
}

export const V2_DEFAULTS = Object.freeze({
  accountId: '9900000',
  applicationId: '04e88489-df02-4e34-a0ee-27a91849555f',
  apiUser: Object.freeze({ username: 'simulator-v2-user', password: 'simulator-v2-password' }),
  oauthClient: Object.freeze({ clientId: 'simulator-client', clientSecret: 'simulator-client-secret' }),
});

export interface ResolvedV2Options {
  accountId: string;
  applicationIds: string[];
  apiUser: { username: string; password: string };
  oauthClient: { clientId: string; clientSecret: string };
  initiateUrl?: string;
  statusUrl?: string;
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`Simulator option v2.${name} must be a non-empty string`);
}

/** The v2 options with their defaults; throws on values that would only confuse a test later. */
export function resolveV2Options(options: V2SimulatorOptions = {}): ResolvedV2Options {
  const resolved: ResolvedV2Options = {
    accountId: options.accountId ?? V2_DEFAULTS.accountId,
    applicationIds: options.applicationIds ?? [V2_DEFAULTS.applicationId],
    apiUser: options.apiUser ?? { ...V2_DEFAULTS.apiUser },
    oauthClient: options.oauthClient ?? { ...V2_DEFAULTS.oauthClient },
    initiateUrl: options.initiateUrl,
    statusUrl: options.statusUrl,
  };
  requireText('accountId', resolved.accountId);
  if (resolved.applicationIds.length === 0) throw new TypeError('Simulator option v2.applicationIds must name at least one application');
  resolved.applicationIds.forEach((id, index) => requireText(`applicationIds[${index}]`, id));
  requireText('apiUser.username', resolved.apiUser.username);
  requireText('apiUser.password', resolved.apiUser.password);
  requireText('oauthClient.clientId', resolved.oauthClient.clientId);
  requireText('oauthClient.clientSecret', resolved.oauthClient.clientSecret);
  return resolved;
}
