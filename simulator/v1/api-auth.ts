import type { FastifyInstance } from 'fastify';
import { parseBasicAuth, sameSecret } from '../core/basic-auth.js';
import { pathOf } from '../core/request-path.js';
import { ApiError, errorBody } from './api-error.js';
import { isV1Path } from './api-paths.js';

interface ApiCredentials {
  userId: string;
  apiToken: string;
  apiSecret: string;
}

const USER_PATH = /^\/v1\/users\/([^/]+)/;

function userIdInPath(path: string): string | undefined {
  const raw = USER_PATH.exec(path)?.[1];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Why a `/v1` request may not proceed, or undefined when it may: v1 wants the API token and secret
 * as HTTP Basic credentials on every request, and only lets a user reach its own resources.
 */
function refuseApiAccess(authorization: string | undefined, path: string, credentials: ApiCredentials): ApiError | undefined {
  const given = parseBasicAuth(authorization);
  const tokenMatches = sameSecret(given?.user ?? '', credentials.apiToken);
  const secretMatches = sameSecret(given?.password ?? '', credentials.apiSecret);
  if (!given || !tokenMatches || !secretMatches) {
    return new ApiError(401, 'authentication', 'unauthorized', 'Valid API token and secret are required as HTTP Basic credentials');
  }
  const userId = userIdInPath(path);
  if (userId !== undefined && userId !== credentials.userId) {
    return new ApiError(403, 'authorization', 'user-access-denied', `The user ${credentials.userId} may not access resources of user ${userId}`);
  }
  return undefined;
}

/**
 * Refuses every `/v1` request that `refuseApiAccess` refuses, before its body is even read. Install
 * after the request hooks, so refused requests are in the request log too.
 */
export function installApiAuth(app: FastifyInstance, credentials: ApiCredentials): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (!isV1Path(path)) return;
    const refusal = refuseApiAccess(request.headers.authorization, path, credentials);
    if (!refusal) return;
    if (refusal.status === 401) reply.header('WWW-Authenticate', 'Basic realm="BandwidthAPI"');
    return reply.code(refusal.status).send(errorBody(refusal, request.method, path));
  });
}
