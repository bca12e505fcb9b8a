import { afterAll } from '@jest/globals';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium.js';
import { onDispose } from './test-service.js';

/**
 * Debian's Chromium for a test file: started on first use and closed after the file's last test
 * (starting it is most of a short browser test's time). Each test gets a context of its own, with
 * fresh storage and cookies, closed with the test's other resources. Call it once, at the top of
 * the file.
 */
export function useBrowser(): () => Promise<BrowserContext> {
  let browser: Promise<Browser> | undefined;
  afterAll(async () => {
    if (browser) await (await browser).close();
  });
  return async () => {
    browser ??= chromium.launch(chromiumLaunchOptions());
    const context = await (await browser).newContext();
    onDispose(() => context.close());
    return context;
  };
}
