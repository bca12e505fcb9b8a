/**
 * Polls until `check` returns something truthy and resolves with it; fails naming `what` (and the
 * last error `check` threw) after `timeoutMs`. `what` may be a function, to describe at the moment
 * of failure what was seen instead. The one way a test waits for a condition: the
 * timeout is generous, for a loaded machine, and the wait ends as soon as the condition holds.
 */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T> | T, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
