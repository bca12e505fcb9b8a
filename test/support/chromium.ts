import type { LaunchOptions } from 'playwright-core';

/**
 * How tests (and the README's screenshot script) start Debian's Chromium: headless, with nothing
 * that would reach for the internet (these machines have none, and Chromium's background
 * requests would only fail). playwright-core downloads no browser; `CHROMIUM_PATH` points
 * elsewhere on machines that keep it elsewhere.
 */
export function chromiumLaunchOptions(): LaunchOptions {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  };
}
