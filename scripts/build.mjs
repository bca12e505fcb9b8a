// `npm run build`: brings `dist/` up to date by building only what changed, and never deletes
// the directory, so a service already serving from it keeps running.
//
// - The TypeScript (`src/`, `simulator/`, `test/`) goes through `tsc -b`, whose build info in
//   `dist/` makes an unchanged tree a no-op of a few hundred milliseconds. `tsc -b` neither removes
//   what a deleted source compiled to nor re-emits an output deleted by hand, so this script does
//   the first, and rebuilds in full when the entry point is missing.
// - The console (codegen from `schema.graphql`, its type check, the Vite bundle) is rebuilt only
//   when a fingerprint of its inputs differs from the one written beside its last bundle.
//
// BUILD_FORCE=1 rebuilds both regardless.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const force = process.env.BUILD_FORCE === '1';
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

// --- TypeScript -------------------------------------------------------------------------------
const compiledTrees = ['src', 'simulator', 'test'];
const entryMissing = !existsSync(join(dist, 'src', 'main.js'));
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json', ...(force || entryMissing ? ['--force'] : [])]);
for (const tree of compiledTrees) {
  for (const output of files(join(dist, tree))) {
    const source = join(root, relative(dist, output)).replace(/\.js(\.map)?$/, '.ts');
    if (/\.js(\.map)?$/.test(output) && !existsSync(source)) rmSync(output);
  }
}

// --- Console ----------------------------------------------------------------------------------
const consoleOut = join(dist, 'console');
const stampFile = join(consoleOut, '.inputs');
const consoleInputs = [
  ...[...files(join(root, 'console'))].filter((path) => !path.includes(`${join('console', 'src', 'gql')}`)),
  join(root, 'schema.graphql'),
  join(root, 'package-lock.json'),
].sort();
const fingerprint = createHash('sha256');
for (const path of consoleInputs) fingerprint.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
const stamp = fingerprint.digest('hex');
const consoleFresh =
  !force && existsSync(join(consoleOut, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
if (!consoleFresh) {
  run('npm', ['run', '--silent', 'console:types']);
  run(bin('vite'), ['build', '--config', 'console/vite.config.ts', '--logLevel', 'warn']);
  // Bundles from earlier builds stay until `npm run clean`: a page already loaded may still ask for them.
  writeFileSync(stampFile, stamp);
}
