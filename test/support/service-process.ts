import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onDispose, waitFor, type Env } from './test-service.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/**
 * The service as its own process, for tests that kill it: `SIGKILL` mid-work, `SIGTERM` for a
 * graceful stop. Started exactly as `npm start` runs it, configured only by environment.
 */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed (JSON log lines, unless told otherwise). */
  output(): string;
  /** Sends a signal and resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /**
   * What the service prints once it is ready, checked before its `/healthz` (which another test's
   * server on the port could answer).
   * @default the JSON `listening` line
   */
  readyLine?: string;
  /**
   * The service's entry point, for a build installed elsewhere (run with that folder as its
   * working directory).
   * @default this checkout's `dist/src/main.js`
   */
  main?: string;
}

export async function spawnService(env: Env, { readyLine = '"msg":"listening"', main = MAIN }: SpawnOptions = {}): Promise<ServiceProcess> {
  if (!env.PORT || env.PORT === '0') throw new Error('a service process needs a fixed PORT');
  const child = spawn(process.execPath, [main], {
    cwd: dirname(dirname(dirname(main))),
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${env.PORT}`;
  const service: ServiceProcess = {
    url,
    child,
    output: () => output,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  onDispose(async () => void (await service.kill('SIGKILL')));
  await waitFor(
    `the service on ${url} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}: ${output.slice(-2000)}`);
      // Its own word first: a /healthz alone could be answered by another test's server on the port.
      if (!output.includes(readyLine)) return false;
      const response = await fetch(`${url}/healthz`).catch(() => undefined);
      return response?.ok;
    },
    20_000,
  );
  return service;
}
