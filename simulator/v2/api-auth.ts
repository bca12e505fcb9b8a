import type { FastifyInstance } from 'fastify';
import { parseBasicAuth, sameSecret } from '../core/basic-auth.js';
import { pathOf } from '../core/request-path.js';
import { authenticationError } from './api-error.js';
import { accountIdInPath, TOKEN_PATH, V2_PREFIX } from './api-paths.js';
import type { OAuthTokens } from './oauth-tokens.js';

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

export interface V2AuthOptions {
  accountId: string;
  apiUser: { username: string; password: string };
  tokens: OAuthTokens;
}

/** Whether the request's credentials may use the v2 API: the API user, or a live bearer token. */
function authenticated(authorization: string | undefined, options: V2AuthOptions): boolean {
  const token = bearerToken(authorization);
  if (token !== undefined) return options.tokens.isValid(token);
  const basic = parseBasicAuth(authorization);
  if (!basic) return false;
  const userMatches = sameSecret(basic.user, options.apiUser.username);
  const passwordMatches = sameSecret(basic.password, options.apiUser.password);
  return userMatches && passwordMatches;
}

/**
 * Refuses every v2 API request without valid credentials, or for another account, with the
 * documented 401 ("bad credentials or no access to the account", §7.1), before its body is read.
 * The token endpoint authenticates its client itself. Install after the request hooks.
 */
export function installV2Auth(app: FastifyInstance, options: V2AuthOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (path === TOKEN_PATH || !(path === V2_PREFIX || path.startsWith(`${V2_PREFIX}/`))) return;
    const account = accountIdInPath(path);
    if (authenticated(request.headers.authorization, options) && (account === undefined || account === options.accountId)) return;
    const refusal = authenticationError();
    const scheme = bearerToken(request.headers.authorization) !== undefined ? 'Bearer error="invalid_token"' : 'Basic realm="Bandwidth"';
    return reply.code(refusal.status).header('WWW-Authenticate', scheme).send(refusal.body);
  });
}
