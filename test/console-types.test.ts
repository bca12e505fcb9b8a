import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { disposeAll, tempDir } from './support/test-service.js';

afterEach(disposeAll);

const run = promisify(execFile);

/** Generates the console's types the way `npm run build` does, from the given schema file. */
async function generateConsoleTypes(schema: string): Promise<{ code: number; output: string }> {
  const out = tempDir();
  try {
    const { stdout, stderr } = await run(process.execPath, ['node_modules/@graphql-codegen/cli/cjs/bin.js', '--config', 'console/codegen.ts'], {
      // Under NODE_ENV=test (jest's) the CLI prints no error details, which is what is checked here.
      env: { ...process.env, NODE_ENV: 'development', CONSOLE_SCHEMA: schema, CONSOLE_TYPES_DIR: `${out}/` },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('console types', () => {
  it('are generated from the committed schema', async () => {
    const result = await generateConsoleTypes('schema.graphql');
    expect(result).toMatchObject({ code: 0 });
  });

  it('fail the build when the schema drops a field the console asks for', async () => {
    const schema = readFileSync('schema.graphql', 'utf8');
    const withoutNowPlaying = schema.replace(/\n\s+"""The file playing now\."""\n\s+nowPlaying: Playback\n/, '\n');
    expect(withoutNowPlaying).not.toEqual(schema);
    const file = join(tempDir(), 'schema.graphql');
    writeFileSync(file, withoutNowPlaying);
    const result = await generateConsoleTypes(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('Cannot query field "nowPlaying" on type "Call"');
  });
});
