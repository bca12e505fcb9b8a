import type { DomainLogger } from './domain-logger.js';
import type { OutboxItem } from './outbox.js';

/**
 * How an attempt at a request went. `unfinished`: it failed on our side (the store, before or after
 * the provider was asked), so the outbox entry is still pending and the attempt is to be made again.
 */
export type EffectOutcome = { ok: true } | { ok: false; error: unknown; unfinished?: boolean };

/**
 * Sends provider requests one call at a time, in the order they were decided.
 *
 * Requests for different calls run concurrently; for one call they never overlap, so a `stop`
 * decided before a `play` reaches the provider before it.
 */
export class EffectRunner {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly perform: (item: OutboxItem, attemptStarted: boolean) => Promise<EffectOutcome>,
    private readonly logger: Pick<DomainLogger, 'error'>,
  ) {}

  /** `attemptStarted`: the attempt was recorded when the request was written (see `UnitOfWork`). */
  enqueue(item: OutboxItem, attemptStarted = false): Promise<EffectOutcome> {
    const previous = this.tails.get(item.callId) ?? Promise.resolve();
    const outcome = previous.then(() =>
      this.perform(item, attemptStarted).catch((error: unknown): EffectOutcome => {
        this.logger.error({ callId: item.callId, outboxId: item.id, err: { message: (error as Error).message } }, 'request failed');
        return { ok: false, error, unfinished: true };
      }),
    );
    this.tails.set(item.callId, outcome);
    void outcome.then(() => {
      if (this.tails.get(item.callId) === outcome) this.tails.delete(item.callId);
    });
    return outcome;
  }

  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
