import { waitAfterFailures } from './failure-backoff.js';
import type { OutboxItem } from './outbox.js';
import type { DomainLogger } from './domain-logger.js';

/** How one dial attempt ended, as far as the queue is concerned. */
export type DialResult =
  /** Finished: placed, failed for good, or found to be unnecessary. */
  | { kind: 'done'; error?: unknown }
  /** Try again at `notBefore`; `pauseMs` holds every other call back too (the provider's rate limit). */
  | { kind: 'retry'; notBefore: Date; pauseMs?: number };

export interface CallDialerOptions {
  /**
   * Outbound calls started per second at most. Bandwidth allows one per second per number and
   * account by default (averaged over ten seconds) and refuses the excess with `call-rate-limit`;
   * pacing here keeps calls waiting in order instead of failing.
   */
  callsPerSecond: number;
  dial: (item: OutboxItem) => Promise<DialResult>;
  logger: Pick<DomainLogger, 'error'>;
}

interface Waiting {
  item: OutboxItem;
  firstAttempt?: (result: DialResult) => void;
  finished: () => void;
  /** Attempts in a row that failed on our side. */
  failures?: number;
}

/**
 * The queue of calls to place: first in, first dialled, no faster than the configured rate. Items
 * come from the outbox, so what waits here also survives a restart.
 */
export class CallDialer {
  private readonly queue: Waiting[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly intervalMs: number;
  private nextSlotAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Calls whose attempt failed on our side, each waiting out its back-off. */
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: CallDialerOptions) {
    this.intervalMs = 1000 / options.callsPerSecond;
  }

  /**
   * Queues a call to dial. `immediate` says whether it starts right away (nothing ahead of it, the
   * rate allows it); `firstAttempt` settles when its first dial attempt has ended.
   */
  submit(item: OutboxItem): { immediate: boolean; firstAttempt: Promise<DialResult>; finished: Promise<void> } {
    const now = Date.now();
    const immediate = this.queue.length === 0 && this.nextSlotAt <= now && item.notBefore.getTime() <= now;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const firstAttempt = new Promise<DialResult>((resolve) => this.insert({ item, firstAttempt: resolve, finished: finish }));
    this.pump();
    return { immediate, firstAttempt, finished };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Their outbox entries stay pending: the next start's sweep sends them.
    for (const retry of this.retries) clearTimeout(retry);
    this.retries.clear();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private insert(waiting: Waiting): void {
    // Keep the queue ordered by due time, then by outbox id (the order calls were requested).
    const key = (w: Waiting): [number, number] => [w.item.notBefore.getTime(), w.item.id];
    const [due, id] = key(waiting);
    const index = this.queue.findIndex((other) => {
      const [otherDue, otherId] = key(other);
      return otherDue > due || (otherDue === due && otherId > id);
    });
    if (index < 0) this.queue.push(waiting);
    else this.queue.splice(index, 0, waiting);
  }

  private pump(): void {
    if (this.stopped || this.timer) return;
    const head = this.queue[0];
    if (!head) return;
    const now = Date.now();
    const startAt = Math.max(this.nextSlotAt, head.item.notBefore.getTime());
    if (startAt > now) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, startAt - now);
      return;
    }
    this.queue.shift();
    this.nextSlotAt = now + this.intervalMs;
    const run = this.attempt(head).finally(() => {
      this.inFlight.delete(run);
      this.pump();
    });
    this.inFlight.add(run);
    this.pump();
  }

  private async attempt(waiting: Waiting): Promise<void> {
    let result: DialResult;
    try {
      result = await this.options.dial(waiting.item);
    } catch (error) {
      // Our side failed (the store, mid-attempt): the caller hears of it, and the call is tried
      // again here after a back-off rather than left to the next outbox sweep, half a lease away.
      // A later attempt finds out by the call's tag whether this one reached the provider.
      const failures = (waiting.failures ?? 0) + 1;
      const retryInMs = waitAfterFailures(failures);
      this.options.logger.error({ callId: waiting.item.callId, err: { message: (error as Error).message }, retryInMs }, 'dialling failed');
      waiting.firstAttempt?.({ kind: 'done', error });
      if (this.stopped) return waiting.finished();
      // Back in its place once the back-off is over (its due time unchanged): not behind every call
      // queued meanwhile, which may be many seconds of dial slots away.
      const retry = setTimeout(() => {
        this.retries.delete(retry);
        this.insert({ item: waiting.item, finished: waiting.finished, failures });
        this.pump();
      }, retryInMs);
      this.retries.add(retry);
      return;
    }
    waiting.firstAttempt?.(result);
    if (result.kind === 'retry' && !this.stopped) {
      if (result.pauseMs) this.nextSlotAt = Math.max(this.nextSlotAt, Date.now() + result.pauseMs);
      this.insert({ item: { ...waiting.item, notBefore: result.notBefore }, finished: waiting.finished });
    } else {
      waiting.finished();
    }
  }
}
