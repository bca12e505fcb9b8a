import type { FastifyInstance } from 'fastify';
import type { SimulatorSettings } from '../core/settings.js';
import { OAuthError } from './api-error.js';
import { parseBasicAuth, sameSecret } from '../core/basic-auth.js';
import { TOKEN_PATH } from './api-paths.js';
import type { OAuthTokens } from './oauth-tokens.js';

export interface OAuthRouteDependencies {
  oauthClient: { clientId: string; clientSecret: string };
  tokens: OAuthTokens;
  /** `oauthTokenTtlSeconds` is read at each grant. */
  settings: SimulatorSettings;
}

/**
 * Bandwidth's OAuth 2.0 client-credentials token endpoint as its clients use it (bandwidth-v2.md
 * §2.2): form `grant_type=client_credentials`, the client authenticated with HTTP Basic. Refusals
 * are RFC 6749 error bodies, Bandwidth documenting none.
 */
export function registerOAuthRoutes(app: FastifyInstance, deps: OAuthRouteDependencies): void {
  const { oauthClient, tokens, settings } = deps;

  app.post(TOKEN_PATH, async (request, reply) => {
    const client = parseBasicAuth(request.headers.authorization);
    const idMatches = sameSecret(client?.user ?? '', oauthClient.clientId);
    const secretMatches = sameSecret(client?.password ?? '', oauthClient.clientSecret);
    if (!client || !idMatches || !secretMatches) {
      reply.header('WWW-Authenticate', 'Basic realm="Bandwidth"');
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
    }
    if (typeof request.body !== 'string' || !String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'The token request must be a form (application/x-www-form-urlencoded)');
    }
    const grantType = new URLSearchParams(request.body).get('grant_type');
    if (grantType === null) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    const { accessToken, expiresIn } = tokens.issue(settings.oauthTokenTtlSeconds);
    return reply.header('Cache-Control', 'no-store').send({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
  });
}
