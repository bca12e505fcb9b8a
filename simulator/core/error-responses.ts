import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { apiAnswering, type ApiVersion } from './api-version.js';
import { ControlError, controlErrorBody } from './control-error.js';
import { isControlPath, pathOf } from './request-path.js';

/** Fastify's own errors carry the HTTP status they stand for; anything else is a 500. */
export function httpStatusOf(error: unknown): number {
  const status = (error as Partial<FastifyError>).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function asControlError(error: unknown): ControlError {
  if (error instanceof ControlError) return error;
  const status = httpStatusOf(error);
  if (status < 500) return new ControlError(status, 'invalid-request', (error as Error).message);
  return new ControlError(500, 'internal-error', 'The simulator failed to handle the request');
}

/**
 * Renders errors and unknown routes the way each API does: the control API's body under
 * `/control`, the documented error body of the API version the path belongs to everywhere else.
 */
export function installErrorResponses(app: FastifyInstance, deps: { apis: readonly ApiVersion[]; logger?: Logger }): void {
  const { apis, logger } = deps;

  app.setErrorHandler((error, request, reply) => {
    const path = pathOf(request.url);
    const api = apiAnswering(apis, path);
    if (httpStatusOf(error) >= 500 && !api.isRefusal(error) && !(error instanceof ControlError)) {
      logger?.error({ err: error, method: request.method, path }, 'request failed');
    }
    if (isControlPath(path)) {
      const controlError = asControlError(error);
      return reply.code(controlError.status).send(controlErrorBody(controlError));
    }
    const response = api.errorResponse(error, request.method, path);
    return reply.code(response.status).headers(response.headers ?? {}).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const api = apiAnswering(apis, path);
    if (isControlPath(path)) {
      return reply.code(404).send(controlErrorBody(new ControlError(404, 'not-found', `No control route ${request.method} ${path}`)));
    }
    const response = api.notFoundResponse(request.method, path);
    return reply.code(response.status).headers(response.headers ?? {}).send(response.body);
  });
}
