import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { pathOf } from '../core/request-path.js';
import { ApiError, errorBody } from './api-error.js';
import { isV1Path } from './api-paths.js';

interface ApiCredentials {
  userId: string;
  apiToken: string;
  apiSecret: string;
}

const USER_PATH = /^\/v1\/users\/([^/]+)/;

/** Compares digests so neither the length nor the content of a secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator === -1) return undefined;
  return { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

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
