import type { FastifyInstance } from 'fastify';
import type { RequestLog } from './request-log.js';

/** A body announced as JSON that is not; rendered as each API's own 400. */
export class MalformedJsonError extends Error {
  override readonly name: string = 'MalformedJsonError';
  readonly statusCode = 400;
  constructor() {
    super('The request body is not valid JSON');
  }
}

/**
 * Replaces Fastify's JSON parser so that an empty body means "no body" (curl sends
 * `Content-Type: application/json` with nothing after it) and a malformed one is kept, as text, in
 * the request log where a test can see what was actually sent.
 */
export function installJsonBodyParser(app: FastifyInstance, requestLog: RequestLog): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const record = requestLog.recordOf(request);
      if (record) record.body = text;
      done(new MalformedJsonError(), undefined);
    }
  });
}
