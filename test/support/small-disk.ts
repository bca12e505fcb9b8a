import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onDispose } from './test-service.js';

const run = promisify(execFile);

/** A filesystem of its own, small enough to fill. */
export interface SmallDisk {
  dir: string;
  /** Writes a filler file until the filesystem has no space left. */
  fill(): void;
  /** Removes the filler: the space is back. */
  free(): void;
}

/**
 * Mounts a tmpfs of `sizeKib` on a fresh directory (unmounted after the test): a real filesystem
 * running out of space, as a full volume does. Needs root (as CI runs), and fails, not skips,
 * without it.
 */
export async function mountSmallDisk(sizeKib: number): Promise<SmallDisk> {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKib}k`, 'tmpfs', dir]);
  onDispose(async () => {
    await run('umount', ['--lazy', dir]);
    rmdirSync(dir);
  });
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(4096, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
  };
}
