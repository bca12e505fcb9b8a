import { chromium, type Browser } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium.js';
import { onDispose } from './test-service.js';

/** Debian's Chromium for one test, with a fresh profile, closed with the test's other resources. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  onDispose(() => browser.close());
  return browser;
}
