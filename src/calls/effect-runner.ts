import type { Effect } from './call-mutation.js';

interface Logger {
  error(obj: object, msg?: string): void;
}

/**
 * Carries out provider requests one call at a time, in the order they were decided.
 *
 * Requests for different calls run concurrently; for one call they never overlap, so a `stop`
 * decided before a `play` reaches the provider before it.
 */
export class EffectRunner {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly perform: (effect: Effect) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  enqueue(callId: string, effects: readonly Effect[]): void {
    const previous = this.tails.get(callId) ?? Promise.resolve();
    const tail = previous.then(async () => {
      for (const effect of effects) {
        try {
          await this.perform(effect);
        } catch (error) {
          this.logger.error({ callId, effect: effect.kind, err: { message: (error as Error).message } }, 'effect failed');
        }
      }
    });
    this.tails.set(callId, tail);
    void tail.then(() => {
      if (this.tails.get(callId) === tail) this.tails.delete(callId);
    });
  }

  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
