/**
 * An async iterator over values produced elsewhere and queued until the consumer asks for them:
 * the protocol (`next`, `return`, `throw`, one waiting consumer, a failure delivered after what
 * was already queued) shared by the event feed's subscribers and the call snapshot streams. A
 * subclass keeps the queue (`take`), may start producing when asked (`drained`), and lets go of
 * its producer when the iteration ends (`release`).
 */
export abstract class PullIterator<T> implements AsyncIterableIterator<T> {
  protected finished = false;
  private failure: { error: unknown } | undefined;
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;

  /** The next queued value, now taken; undefined when none waits. */
  protected abstract take(): T | undefined;

  /** Lets go of the producer (and drops the queue); called once, when the iteration ends. */
  protected abstract release(): void;

  /** Called when the consumer asks and nothing is queued, just before it waits. */
  protected drained(): void {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.take();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      this.end();
      return Promise.reject(error);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    this.drained();
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.end();
    return Promise.reject(error);
  }

  /** Ends the iteration with `error`, once what is already queued has been taken; after it, `done`. */
  fail(error: unknown): void {
    if (this.finished) return;
    if (!this.waiting) {
      this.failure = { error };
      return;
    }
    const { reject } = this.waiting;
    this.waiting = undefined;
    this.end();
    reject(error);
  }

  /** Whether the consumer is waiting for a value. */
  protected get awaited(): boolean {
    return this.waiting !== undefined;
  }

  /** Hands a waiting consumer the next queued value, if there is one. */
  protected wake(): void {
    if (!this.waiting) return;
    const value = this.take();
    if (value === undefined) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ value, done: false });
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }
}
