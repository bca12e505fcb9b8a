import { execFile } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = `${ROOT}dist/`;
const BUILD = `${ROOT}scripts/build.mjs`;

/** `npm run build` as `npm start` runs it, on the checkout this suite was built from. */
async function build(): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [BUILD], { cwd: ROOT, timeout: 120_000 });
  return stdout + stderr;
}

describe('npm run build', () => {
  it('leaves an unchanged tree as it is: the service entry and the console bundle are not written again', async () => {
    const served = [`${DIST}src/main.js`, `${DIST}src/server.js`, `${DIST}console/index.html`];
    const before = served.map((path) => statSync(path).mtimeMs);
    await build();
    expect(served.map((path) => statSync(path).mtimeMs)).toEqual(before);
  });

  it('removes what a deleted source compiled to, and nothing else', async () => {
    const stale = `${DIST}test/support/deleted-source-probe.js`;
    writeFileSync(stale, 'export {};\n');
    writeFileSync(`${stale}.map`, '{}');
    await build();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(`${stale}.map`)).toBe(false);
    expect(existsSync(`${DIST}test/support/service-process.js`)).toBe(true);
  });
});
