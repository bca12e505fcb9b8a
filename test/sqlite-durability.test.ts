import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from '@jest/globals';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, startTestService } from './support/test-service.js';

afterEach(disposeAll);

/** The `store opened` line of a service started with `env`: the settings SQLite itself reports. */
async function storeSettings(env: Record<string, string>): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const service = await startTestService({ LOG_LEVEL: 'info', ...env }, { logStream });
  await service.stop();
  const opened = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'store opened');
  expect(opened).toBeDefined();
  return opened!;
}

// The setting is SQLite's alone; which Bandwidth API sits above cannot change it.
forEachSetup('SQLite durability', { backends: ['sqlite'], apis: ['v1'] }, () => {
  it('commits in WAL mode, synchronous NORMAL by default and FULL (an fsync per commit) with SQLITE_SYNCHRONOUS=full', async () => {
    expect(await storeSettings({})).toMatchObject({ database: 'sqlite', journalMode: 'wal', synchronous: 'normal' });
    expect(await storeSettings({ SQLITE_SYNCHRONOUS: 'full' })).toMatchObject({ database: 'sqlite', journalMode: 'wal', synchronous: 'full' });
  });
});
