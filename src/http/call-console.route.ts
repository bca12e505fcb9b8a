import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the console is served; the app is built with this base, so its files ask for it. */
export const CALL_CONSOLE_PATH = '/console/';

/** Where `npm run build` puts the console: `dist/console`, beside the compiled service. */
const CALL_CONSOLE_BUILD = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * The page can hang up calls, so no other site may frame it (clickjacking), and it loads and
 * connects to nothing but this service: its own bundle, and the API on the same origin.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export interface CallConsoleOptions {
  /** The folder holding the built console (index.html and assets/); the build's own by default. */
  root?: string;
}

/**
 * Serves the call console, a browser app that talks to this service only through the public
 * GraphQL API over graphql-ws, as static files. A service started without building it (tsc
 * alone) answers `503` with what to run, rather than a bare 404 that looks like a wrong URL.
 */
export async function registerCallConsole(app: FastifyInstance, options: CallConsoleOptions = {}): Promise<void> {
  const root = options.root ?? CALL_CONSOLE_BUILD;
  app.get(CALL_CONSOLE_PATH.slice(0, -1), async (_request, reply) => reply.redirect(CALL_CONSOLE_PATH, 308));
  if (!existsSync(join(root, 'index.html'))) {
    app.get(`${CALL_CONSOLE_PATH}*`, async (_request, reply) =>
      reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'The call console is not built: run `npm run build`' }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: CALL_CONSOLE_PATH,
    // File names under assets/ carry a hash of their content; index.html names the current ones.
    setHeaders: (response, path) => {
      response.setHeader('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    },
    // Only what the build wrote: no directory listings, no dotfiles.
    dotfiles: 'deny',
    index: 'index.html',
    cacheControl: false,
  });
}
