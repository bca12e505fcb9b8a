import type { CallEventRecord } from '../calls/call.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChange } from '../calls/change-notifier.js';
import type { CallChangeBus } from '../change-bus/call-change-bus.js';
import { PullIterator } from './pull-iterator.js';

export interface CallEventFeedsOptions {
  /**
   * Events read from the store at a time, by a subscriber catching up and by a feed. Bounds the
   * memory one read takes, however long the log.
   */
  pageSize?: number;
  /**
   * Events a live subscriber may have waiting before it is taken off the shared feed. A consumer
   * that slow (a congested socket) then reads the store at its own pace, so it neither holds the
   * others back nor makes the service buffer without bound; it rejoins once it has caught up.
   */
  maxQueued?: number;
}

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_MAX_QUEUED = 1000;

/**
 * Every `callEvents` subscription of this process, one shared feed per call.
 *
 * The bus is a doorbell and the store is the log. A subscriber first catches up on its own,
 * reading the log after its `afterSequence`; once it has read to where the call's feed stands
 * it joins the feed, and from then on each ring costs the whole call one read — or none, when
 * the ring carries the events it announces and they follow on from what the feed already
 * handed out. Every subscriber receives the same event objects, so the GraphQL layer can
 * execute a document once per event and share the result (see `shared-subscribe.ts`).
 *
 * Each subscriber keeps the sequence it has received up to, and is only ever handed events past
 * it: the seam between replay and live has no gap and no duplicate, whatever order reads and
 * rings happen in.
 */
export class CallEventFeeds {
  private readonly feeds = new Map<string, CallEventFeed>();
  private readonly pageSize: number;
  private readonly maxQueued: number;

  constructor(
    private readonly store: CallStore,
    private readonly bus: CallChangeBus,
    options: CallEventFeedsOptions = {},
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  }

  /** The call's log after `afterSequence`, then each event as it is committed. */
  stream(callId: string, afterSequence: number): AsyncIterableIterator<CallEventRecord> {
    let feed = this.feeds.get(callId);
    if (!feed) {
      feed = new CallEventFeed(callId, this.store, this.bus, this.pageSize, this.maxQueued, () => this.feeds.delete(callId));
      this.feeds.set(callId, feed);
    }
    return feed.subscribe(afterSequence);
  }

  /** Calls with at least one subscriber here, and how many subscribers each has (for tests and metrics). */
  subscriberCounts(): Map<string, number> {
    return new Map([...this.feeds].map(([callId, feed]) => [callId, feed.size]));
  }
}

class CallEventFeed {
  /** Subscribers fed by this feed's reads; the others are catching up on their own. */
  readonly live = new Set<FeedSubscriber>();
  private readonly all = new Set<FeedSubscriber>();
  /**
   * The last sequence this feed has handed to its live subscribers. Only ever taken from events
   * that exist (read from the log, or carried by a ring), never from a client's `afterSequence`,
   * which may lie past the end of the log: a subscriber catching up reads until it reaches this.
   */
  position = 0;
  private reading = false;
  private rangAgain = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly callId: string,
    readonly store: CallStore,
    bus: CallChangeBus,
    readonly pageSize: number,
    readonly maxQueued: number,
    private readonly onEmpty: () => void,
  ) {
    this.unsubscribe = bus.subscribe(callId, (change) => this.ring(change));
  }

  get size(): number {
    return this.all.size;
  }

  subscribe(afterSequence: number): FeedSubscriber {
    const subscriber = new FeedSubscriber(this, afterSequence);
    this.all.add(subscriber);
    subscriber.catchUp();
    return subscriber;
  }

  /** A subscriber that has read the log up to where this feed stands starts receiving from it. */
  join(subscriber: FeedSubscriber): void {
    // Nobody live: the feed starts over from where this subscriber is, as far as the log shows it.
    if (this.live.size === 0) {
      this.position = subscriber.hasReceived ? subscriber.receivedUpTo : Math.min(this.position, subscriber.receivedUpTo);
    }
    this.live.add(subscriber);
    // A ring that came while nobody was live was not acted on, and one that came during the
    // subscriber's last read may be past what it read: one more read covers both. Joins that
    // arrive together share it.
    this.requestRead();
  }

  leave(subscriber: FeedSubscriber): void {
    this.live.delete(subscriber);
    this.all.delete(subscriber);
    if (this.all.size > 0) return;
    this.unsubscribe();
    this.onEmpty();
  }

  private ring(change: CallChange): void {
    if (this.live.size === 0) return;
    const events = change.events;
    if (!this.reading && events && events.length > 0) {
      // Already handed out by an earlier read: nothing to do.
      if (events.at(-1)!.sequence <= this.position) return;
      // The committer's own events, following on from what the feed has handed out: no read needed.
      if (events[0].sequence === this.position + 1) {
        this.deliver(events);
        return;
      }
    }
    this.requestRead();
  }

  private requestRead(): void {
    if (this.reading) {
      this.rangAgain = true;
      return;
    }
    void this.readFromStore();
  }

  private async readFromStore(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.rangAgain = false;
        for (;;) {
          const batch = await this.store.listEvents(this.callId, this.position, this.pageSize);
          this.deliver(batch);
          if (batch.length < this.pageSize || this.live.size === 0) break;
        }
      } while (this.rangAgain && this.live.size > 0);
    } catch (error) {
      for (const subscriber of [...this.live]) subscriber.fail(error);
    } finally {
      this.reading = false;
    }
  }

  private deliver(events: readonly CallEventRecord[]): void {
    if (events.length === 0) return;
    this.position = Math.max(this.position, events.at(-1)!.sequence);
    for (const subscriber of this.live) {
      subscriber.enqueue(events);
      if (subscriber.queued >= this.maxQueued) this.live.delete(subscriber);
    }
  }
}

/** One subscription's view of the feed: an async iterator with its own queue and position. */
class FeedSubscriber extends PullIterator<CallEventRecord> {
  /** The last sequence put in this subscriber's queue (its `afterSequence` until an event comes). */
  receivedUpTo: number;
  /** Whether any event has come, i.e. whether `receivedUpTo` is a sequence the log holds. */
  hasReceived = false;
  private queue: CallEventRecord[] = [];
  private head = 0;
  private reading = false;

  constructor(
    private readonly feed: CallEventFeed,
    afterSequence: number,
  ) {
    super();
    this.receivedUpTo = afterSequence;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  enqueue(events: readonly CallEventRecord[]): void {
    for (const event of events) {
      if (event.sequence <= this.receivedUpTo) continue;
      this.receivedUpTo = event.sequence;
      this.hasReceived = true;
      this.queue.push(event);
    }
    this.wake();
  }

  override fail(error: unknown): void {
    this.feed.live.delete(this);
    super.fail(error);
  }

  /**
   * Reads the log after what this subscriber has received, a page at a time and only as fast as
   * it is consumed, until it reaches the feed's position and joins the feed.
   */
  catchUp(): void {
    if (this.reading || this.finished) return;
    this.reading = true;
    this.readOn().then(
      () => {
        this.reading = false;
        // Drained while that read was finishing: read on.
        if (this.awaited && !this.feed.live.has(this)) this.catchUp();
      },
      (error: unknown) => {
        this.reading = false;
        this.fail(error);
      },
    );
  }

  /** Off the feed (new, or too slow for it) and drained: read on from the store. */
  protected override drained(): void {
    if (!this.feed.live.has(this)) this.catchUp();
  }

  protected override take(): CallEventRecord | undefined {
    if (this.head >= this.queue.length) return undefined;
    const value = this.queue[this.head]!;
    this.head += 1;
    if (this.head === this.queue.length) this.clearQueue();
    return value;
  }

  protected override release(): void {
    this.clearQueue();
    this.feed.leave(this);
  }

  private async readOn(): Promise<void> {
    const { feed } = this;
    for (;;) {
      const batch = await feed.store.listEvents(feed.callId, this.receivedUpTo, feed.pageSize);
      if (this.finished) return;
      this.enqueue(batch);
      if (batch.length === feed.pageSize) return; // more to read once this page is consumed
      // The feed has moved on while this read was under way: read what it handed out meanwhile.
      if (feed.live.size > 0 && this.receivedUpTo < feed.position) continue;
      feed.join(this);
      return;
    }
  }

  private clearQueue(): void {
    this.queue = [];
    this.head = 0;
  }
}
