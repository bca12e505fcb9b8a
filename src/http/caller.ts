import type { ApiToken } from '../config.js';
import type { Caller } from '../graphql/context.type.js';
import { matchApiToken, tokenId } from './credentials.js';

/**
 * Who is calling, from the bearer token presented (HTTP `Authorization` header or WebSocket
 * `connectionParams`) and the remote address. Undefined when tokens are configured and none of
 * them was presented: the caller is then refused. With no tokens configured (simulator only)
 * everyone is an anonymous caller with every permission, told apart only by address.
 */
export function identifyCaller(token: string | undefined, address: string, apiTokens: readonly ApiToken[]): Caller | undefined {
  if (apiTokens.length === 0) return { id: 'anonymous', tokenId: null, scope: 'all', address };
  const match = matchApiToken(token, apiTokens);
  if (!match) return undefined;
  const id = tokenId(match.token);
  return { id: `token:${id}`, tokenId: id, scope: match.scope, address };
}
