import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, expect, it } from '@jest/globals';
import { CREATE_CALL, FROM, file, type CallView } from './support/documents.js';
import { forEachSetup } from './support/matrix.js';
import { spawnService } from './support/service-process.js';
import { API_TOKEN, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, postGraphQL, waitForCall } from './support/test-service.js';

afterEach(disposeAll);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEV_ONLY = ['typescript', 'vite', 'jest', '@graphql-codegen/cli', 'bandwidth-sdk', 'autocannon', 'playwright-core'];

/**
 * This checkout's build installed the way docs/deployment.md says: the built `dist/src` and
 * `dist/console` (not the simulator, not the tests) beside `package.json` and the lock file, and
 * `node_modules` with the dev dependencies pruned by npm itself. The packages are hard links to
 * this checkout's (pruning only unlinks), so no download and no native build is needed.
 */
let installed: Promise<string> | undefined;
function productionInstall(): Promise<string> {
  installed ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'production-install-'));
    for (const path of ['package.json', 'package-lock.json', 'dist/src', 'dist/console']) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
    await promisify(execFile)('cp', ['-al', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
    // npm rewrites its own record of the tree: give it a copy, not a link to this checkout's.
    rmSync(join(dir, 'node_modules', '.package-lock.json'));
    cpSync(join(ROOT, 'node_modules', '.package-lock.json'), join(dir, 'node_modules', '.package-lock.json'));
    await promisify(execFile)('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: 120_000 });
    return dir;
  })();
  return installed;
}

afterAll(async () => {
  if (installed) rmSync(await installed, { recursive: true, force: true });
});

/** PostgreSQL with Redis as well as SQLite: their drivers must be production dependencies too. */
forEachSetup('a production install (npm prune --omit=dev, NODE_ENV=production)', { apis: ['v2'] }, () => {
  it('holds no dev dependency, starts against Bandwidth with real-looking credentials, is ready and places a call', async () => {
    const dir = await productionInstall();
    for (const name of DEV_ONLY) expect(existsSync(join(dir, 'node_modules', name))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'fastify'))).toBe(true);

    const bandwidth = await standaloneBandwidth({ NODE_ENV: 'production' });
    const service = await spawnService(bandwidth.env, { main: join(dir, 'dist', 'src', 'main.js') });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);

    const { data, errors } = await postGraphQL<{ createCall: CallView }>(
      service.url,
      CREATE_CALL,
      { input: { from: FROM, to: '+19195550123', audio: [{ fileUrl: file('greeting', 50) }] } },
      API_TOKEN,
    );
    expect(errors).toBeUndefined();
    const client = { gql: <T>(query: string, variables?: Record<string, unknown>) => postGraphQL<T>(service.url, query, variables, API_TOKEN) };
    await waitForCall(client, data!.createCall.id, 'the file to play', (call) => call.playbacks.every((playback) => playback.status === 'DONE'));
    // In production the explorer and the console are off unless asked for.
    expect((await fetch(`${service.url}/console/`)).status).toBe(404);
    expect((await service.kill('SIGTERM')).code).toBe(0);
  });
});
