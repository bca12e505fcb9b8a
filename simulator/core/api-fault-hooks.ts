import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApiFaultAction, ApiFaults } from './api-faults.js';
import { apiOwning, type ApiErrorResponse, type ApiVersion } from './api-version.js';
import { pause } from './pause.js';
import type { RequestLog } from './request-log.js';
import { pathOf } from './request-path.js';

export interface ApiFaultHookDependencies {
  faults: ApiFaults;
  /** The APIs whose requests the rules apply to; each answers a `status` fault with its own error body. */
  apis: readonly ApiVersion[];
  requestLog: RequestLog;
  /** Aborts when the simulator closes: injected delays end at once so closing never waits on them. */
  signal: AbortSignal;
  logger?: Logger;
}

/** Actions that let the handler run and act on the answer it produced. */
type AfterProcessing =
  | Extract<ApiFaultAction, { type: 'reset-after-processing' } | { type: 'delay' }>
  /** A `status` fault with `process: true`: the handler runs, and this error is answered instead. */
  | { type: 'error-instead'; response: ApiErrorResponse };

/** Closes the connection without a word: the client sees a reset and cannot know the outcome. */
function dropConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket.destroy();
  return reply;
}

/**
 * Applies API fault rules to the API's requests. They are chosen in `preHandler`, i.e. only for
 * requests that passed authentication and whose body was parsed, so a rule's `times` is spent on
 * requests the simulator would otherwise have handled, and the request log shows their bodies.
 * Register after the request hooks, whose `preHandler` records the body.
 */
export function installApiFaultHooks(app: FastifyInstance, deps: ApiFaultHookDependencies): void {
  const { faults, apis, requestLog, signal, logger } = deps;
  const afterProcessing = new WeakMap<FastifyRequest, AfterProcessing>();

  app.addHook('preHandler', async (request, reply) => {
    const path = pathOf(request.url);
    const api = apiOwning(apis, path);
    if (!api) return;
    const action = faults.take(request.method, api.faultPathOf(path), api.name);
    if (!action) return;
    const record = requestLog.recordOf(request);
    if (record) record.fault = action.type;
    logger?.debug({ method: request.method, path, fault: action.type }, 'api fault injected');

    switch (action.type) {
      case 'status': {
        const response = api.injectedError(action, request.method, path);
        if (!action.process) return reply.code(response.status).headers(response.headers ?? {}).send(response.body);
        afterProcessing.set(request, { type: 'error-instead', response });
        return;
      }
      case 'reset':
        return dropConnection(request, reply);
      case 'delay':
        if (action.process !== false) break;
        await pause(action.delayMs, signal);
        // Closing: processing now would act on a simulator that has already forgotten its calls.
        if (signal.aborted) return dropConnection(request, reply);
        return;
      case 'reset-after-processing':
        break;
    }
    afterProcessing.set(request, action);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const action = afterProcessing.get(request);
    if (action?.type === 'error-instead') {
      // Processed: what the handler did stands, and the client is told it failed.
      const { response } = action;
      reply.code(response.status).headers(response.headers ?? {}).removeHeader('location');
      reply.header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(response.body);
    }
    if (action?.type === 'delay') {
      await pause(action.delayMs, signal);
    } else if (action?.type === 'reset-after-processing') {
      // No onResponse follows a destroyed connection, so the outcome the client never saw is recorded here.
      const record = requestLog.recordOf(request);
      if (record) record.status = reply.statusCode;
      request.raw.socket.destroy();
    }
    return payload;
  });
}
