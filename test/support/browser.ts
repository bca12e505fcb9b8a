import { chromium, type Browser } from 'playwright-core';
import { onDispose } from './test-service.js';

/**
 * Debian's Chromium, headless, with a fresh profile each time and nothing that would reach for
 * the internet (these machines have none, and Chromium's background requests would only fail).
 * `CHROMIUM_PATH` points elsewhere on machines that keep it elsewhere.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  onDispose(() => browser.close());
  return browser;
}
