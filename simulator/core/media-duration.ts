import { MAX_DELAY_MS } from './settings.js';

/**
 * How long a file "plays". A `durationMs` query parameter on the file URL wins over the default, so
 * one test can mix short and long files without changing global settings. A value that is not a
 * whole number of milliseconds is ignored.
 */
export function mediaDurationMs(fileUrl: string, defaultMs: number): number {
  const requested = new URL(fileUrl).searchParams.get('durationMs');
  if (requested === null || !/^\d+$/.test(requested)) return defaultMs;
  const durationMs = Number(requested);
  return durationMs <= MAX_DELAY_MS ? durationMs : defaultMs;
}
