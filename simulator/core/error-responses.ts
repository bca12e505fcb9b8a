import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, errorBody, validationError } from '../v1/api-error.js';
import { ControlError, controlErrorBody } from './control-error.js';
import { MalformedJsonError } from './json-body-parser.js';
import { isControlPath, pathOf } from './request-path.js';

/** Fastify's own errors carry the HTTP status they stand for. */
function statusOf(error: unknown): number {
  const status = (error as Partial<FastifyError>).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** Any error as a v1 API error, so every failure has the documented body shape. */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof MalformedJsonError) return validationError(error.message);
  const status = statusOf(error);
  if (status === 415) return new ApiError(415, 'bad-request', 'unsupported-media-type', 'Request bodies must be JSON (Content-Type: application/json)');
  if (status === 413) return new ApiError(413, 'bad-request', 'request-too-large', 'The request body is too large');
  if (status < 500) return validationError((error as Error).message);
  return new ApiError(500, 'unavailable', 'internal-error', 'The simulator failed to handle the request');
}

function asControlError(error: unknown): ControlError {
  if (error instanceof ControlError) return error;
  const status = statusOf(error);
  if (status < 500) return new ControlError(status, 'invalid-request', (error as Error).message);
  return new ControlError(500, 'internal-error', 'The simulator failed to handle the request');
}

/** Renders errors and unknown routes the way each API does: v1's error body, or the control API's. */
export function installErrorResponses(app: FastifyInstance, logger?: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const path = pathOf(request.url);
    if (statusOf(error) >= 500 && !(error instanceof ApiError) && !(error instanceof ControlError)) {
      logger?.error({ err: error, method: request.method, path }, 'request failed');
    }
    if (isControlPath(path)) {
      const controlError = asControlError(error);
      return reply.code(controlError.status).send(controlErrorBody(controlError));
    }
    const apiError = asApiError(error);
    return reply.code(apiError.status).send(errorBody(apiError, request.method, path));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    if (isControlPath(path)) {
      return reply.code(404).send(controlErrorBody(new ControlError(404, 'not-found', `No control route ${request.method} ${path}`)));
    }
    const notFound = new ApiError(404, 'not-found', 'resource-not-found', `The resource ${request.method} ${path} does not exist`);
    return reply.code(404).send(errorBody(notFound, request.method, path));
  });
}
