import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The call console, built into `dist/console` and served by the service at `/console/`.
 *
 * esbuild compiles the JSX itself, so no framework plugin is needed. `npm run console:dev` serves
 * it with live reload and hands `/graphql` (WebSocket included) to a service already running on
 * `CONSOLE_API_URL` (default http://127.0.0.1:4000).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    // A service may be serving this directory while it is rebuilt; old bundles go with `npm run clean`.
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/graphql': { target: process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:4000', ws: true } },
  },
});
