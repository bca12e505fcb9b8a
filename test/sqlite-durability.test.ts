import { afterEach, expect, it } from '@jest/globals';
import { captureLog } from './support/log-capture.js';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, startTestService } from './support/test-service.js';

afterEach(disposeAll);

/** The `store opened` line of a service started with `env`: the settings SQLite itself reports. */
async function storeSettings(env: Record<string, string>): Promise<Record<string, unknown>> {
  const log = captureLog();
  const service = await startTestService({ LOG_LEVEL: 'info', ...env }, { logStream: log.stream });
  await service.stop();
  const opened = log.entries().find((entry) => entry.msg === 'store opened');
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
