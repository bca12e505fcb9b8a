// Takes the README's screenshot of the call console: the service on the simulator, one outbound
// call that has played its files, one inbound call ringing, in headless Chromium.
//
//   npm run console:screenshot            (writes docs/console.png)
//
// CHROMIUM_PATH overrides /usr/bin/chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { loadConfig } from '../dist/src/config.js';
import { startServer } from '../dist/src/server.js';
import { chromiumLaunchOptions } from '../dist/test/support/chromium.js';

const output = process.argv[2] ?? 'docs/console.png';
const dir = mkdtempSync(join(tmpdir(), 'console-screenshot-'));
const server = await startServer(
  loadConfig({ HOST: '127.0.0.1', PORT: '0', SIMULATOR_PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'calls.sqlite')}`, OUTBOUND_CALLS_PER_SECOND: '10' }),
  pino({ level: 'silent' }),
);
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const control = (path, body, method = 'POST') =>
    fetch(`${server.simulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await control('/control/settings', { answerDelayMs: 800, playbackDurationMs: 700 }, 'PATCH');

  const tab = await browser.newPage({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  await tab.goto(`${server.url}/console/`);
  await tab.locator('[data-status="connected"]').waitFor();
  await tab.getByRole('button', { name: 'Place call' }).click();
  const detail = tab.locator('article.call-detail');
  await detail.locator('.playbacks li[data-status="PLAYING"]', { hasText: 'menu.wav' }).waitFor({ timeout: 10_000 });
  await control('/control/incoming', { from: '+13233326955', to: '+19195550100' });
  await tab.locator('table.calls tbody tr', { hasText: '+13233326955' }).waitFor();
  await tab.locator('.timeline li[data-sequence="11"]').waitFor();
  await tab.screenshot({ path: output });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
