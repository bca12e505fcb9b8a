import { fastify, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request log lines, naming the path and never the query string: a careless client
 * puts a token or a webhook password there (`/graphql?token=…`), and Fastify's own lines log the
 * whole URL. (Its 404 and error lines come from handlers the app replaces: see app.ts.)
 *
 * A line per request is at `debug`, not `info`: at webhook rates it would bury everything else,
 * and `/metrics` counts requests already. A request that errors is still logged at `error`.
 */
export class PathOnlyLogController extends fastify.LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ request: describe(request) }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override writeHeadError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    reply.log.warn({ request: describe(request), res: reply, err: error }, error.message);
  }
}

function describe(request: FastifyRequest): { method: string; path: string; remoteAddress: string } {
  return { method: request.method, path: pathOf(request.url), remoteAddress: request.ip };
}

/** A request URL without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
