/**
 * The timers belonging to one call, so that ending (or forgetting) the call cancels every pending
 * far-end action at once and nothing fires on a call that is already over.
 */
export class CallTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** @param onError receives what a timer action throws, so one bad action cannot crash the process. */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `action` after `delayMs`; returns a function that cancels it. */
  after(delayMs: number, action: () => void): () => void {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      try {
        action();
      } catch (error) {
        this.onError(error);
      }
    }, delayMs);
    this.pending.add(handle);
    return () => {
      clearTimeout(handle);
      this.pending.delete(handle);
    };
  }

  clearAll(): void {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}
