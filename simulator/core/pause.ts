/**
 * Resolves after `delayMs`, or as soon as `signal` aborts: every wait the simulator makes on
 * purpose (retry back-off, injected latency) must end when the call is forgotten or the simulator
 * closes, so nothing outlives them.
 */
export function pause(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || delayMs <= 0) return resolve();
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, delayMs);
    signal.addEventListener('abort', finish, { once: true });
  });
}
