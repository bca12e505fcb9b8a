import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { apiOwning, type ApiVersion } from './api-version.js';
import type { RequestLog } from './request-log.js';
import { pathOf } from './request-path.js';
import { redactSecrets } from './redact-secrets.js';

/**
 * Cross-cutting request handling: every API request is recorded (before anything can refuse it,
 * so refused ones show up too), every request is logged at debug level without its headers,
 * which carry the credentials, and nothing the control API answers carries a credential, whichever
 * route answers it (see {@link redactSecrets}). Install before the API's authentication and the
 * fault hooks: hooks run in the order they were added, and those look up the record begun here.
 */
export function installRequestHooks(app: FastifyInstance, deps: { requestLog: RequestLog; apis: readonly ApiVersion[]; logger?: Logger }): void {
  const { requestLog, apis, logger } = deps;

  app.addHook('onRequest', async (request) => {
    if (apiOwning(apis, pathOf(request.url))) requestLog.begin(request, request.method, request.url);
  });

  app.addHook('preHandler', async (request) => {
    const record = requestLog.recordOf(request);
    if (!record) return;
    record.body = request.body;
  });

  app.addHook('preSerialization', async (request, _reply, payload: unknown) =>
    pathOf(request.url).startsWith('/control/') ? redactSecrets(payload) : payload,
  );

  app.addHook('onResponse', async (request, reply) => {
    const record = requestLog.recordOf(request);
    if (record) record.status = reply.statusCode;
    logger?.debug(
      { method: request.method, path: pathOf(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'simulator request',
    );
  });
}
