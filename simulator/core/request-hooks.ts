import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errorBody } from '../v1/api-error.js';
import { refuseApiAccess, type ApiCredentials } from '../v1/api-auth.js';
import type { RequestLog } from './request-log.js';
import { isApiPath, pathOf } from './request-path.js';

/**
 * Cross-cutting request handling: every `/v1` request is recorded (before anything can refuse it,
 * so refused ones show up too), authenticated, and logged at debug level without its headers,
 * which carry the credentials.
 */
export function installRequestHooks(app: FastifyInstance, deps: { requestLog: RequestLog; credentials: ApiCredentials; logger?: Logger }): void {
  const { requestLog, credentials, logger } = deps;

  app.addHook('onRequest', async (request) => {
    if (isApiPath(pathOf(request.url))) requestLog.begin(request, request.method, request.url);
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (!isApiPath(path)) return;
    const refusal = refuseApiAccess(request.headers.authorization, path, credentials);
    if (!refusal) return;
    if (refusal.status === 401) reply.header('WWW-Authenticate', 'Basic realm="BandwidthAPI"');
    return reply.code(refusal.status).send(errorBody(refusal, request.method, path));
  });

  app.addHook('preHandler', async (request) => {
    const record = requestLog.recordOf(request);
    if (record) record.body = request.body;
  });

  app.addHook('onResponse', async (request, reply) => {
    const record = requestLog.recordOf(request);
    if (record) record.status = reply.statusCode;
    logger?.debug(
      { method: request.method, path: pathOf(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'simulator request',
    );
  });
}
