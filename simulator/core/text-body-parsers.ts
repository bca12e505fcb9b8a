import type { FastifyInstance } from 'fastify';
import { pathOf } from './request-path.js';

/** A body whose content type the path's API does not take; each API renders it as its own 415. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name: string = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  constructor(contentType: string) {
    super(`Content type '${contentType}' not supported`);
  }
}

/**
 * Accepts bodies of `contentType` as text, for the paths `accepts` says take them (v2's BXML and
 * its OAuth token form). Everywhere else such a body is refused with a 415, as Fastify did before
 * the parser existed, so v1 answers exactly what it always answered.
 */
export function installTextBodyParser(app: FastifyInstance, contentType: string, accepts: (path: string) => boolean): void {
  app.addContentTypeParser(contentType, { parseAs: 'string' }, (request, body, done) => {
    if (!accepts(pathOf(request.url))) return done(new UnsupportedMediaTypeError(request.headers['content-type'] ?? contentType), undefined);
    done(null, body);
  });
}
