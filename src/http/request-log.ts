import { fastify, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request log lines, naming the path and never the query string: a careless client
 * puts a token or a webhook password there (`/graphql?token=…`), and Fastify's own lines log the
 * whole URL. (Its 404 and error lines come from handlers the app replaces: see app.ts.)
 */
export class PathOnlyLogController extends fastify.LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.info({ request: describe(request) }, 'incoming request');
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
