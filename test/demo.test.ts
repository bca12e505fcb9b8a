import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const DEMO = fileURLToPath(new URL('../src/demo.js', import.meta.url));

/** Runs `npm run demo`'s program as a newcomer would, with a quick far end. */
function runDemo(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      env: { PATH: process.env.PATH, SIMULATOR_ANSWER_DELAY_MS: '50', SIMULATOR_PLAYBACK_MS: '80' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not finish: ${output}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run demo', () => {
  it('places a call with two files, prints its event log as it streams, hangs up and exits cleanly', async () => {
    const { code, output } = await runDemo();
    expect(code).toBe(0);
    const types = [...output.matchAll(/^\s+(\d+)\s+(\S+)/gm)].map(([, sequence, type]) => ({ sequence: Number(sequence), type }));
    expect(types.map((t) => t.sequence)).toEqual(types.map((_, i) => i + 1));
    const logged = types.map((t) => t.type);
    expect(logged.slice(0, 3)).toEqual(['call.requested', 'playback.queued', 'playback.queued']);
    expect(logged).toContain('answer');
    expect(logged.filter((type) => type === 'playback')).toHaveLength(4);
    expect(logged).toEqual(expect.arrayContaining(['call.hung_up', 'hangup']));
    expect(output).toMatch(/call COMPLETED \(HANGUP\); hello\.mp3 DONE, menu\.wav DONE/);
  });

  it('does the same on the Bandwidth v2 API of the simulator with --v2', async () => {
    const { code, output } = await runDemo('--v2');
    expect(code).toBe(0);
    expect(output).toMatch(/Bandwidth v2 simulator/);
    const types = [...output.matchAll(/^\s+(\d+)\s+(\S+)/gm)].map(([, sequence, type]) => ({ sequence: Number(sequence), type }));
    expect(types.map((t) => t.sequence)).toEqual(types.map((_, i) => i + 1));
    const logged = types.map((t) => t.type);
    expect(logged.slice(0, 3)).toEqual(['call.requested', 'playback.queued', 'playback.queued']);
    expect(logged).toContain('answer');
    expect(logged.filter((type) => type === 'playback.requested')).toHaveLength(2);
    expect(logged).toEqual(expect.arrayContaining(['call.hung_up', 'disconnect']));
    expect(output).toMatch(/call COMPLETED \(HANGUP\); hello\.mp3 DONE, menu\.wav DONE/);
  });
});
