import { Redis, type RedisOptions } from 'ioredis';
import type { CallRecord } from '../calls/call.js';
import type { CallChange } from '../calls/change-notifier.js';
import type { DomainLogger } from '../calls/domain-logger.js';
import type { CallChangeBus, ChangeListener } from './call-change-bus.js';
import { parseCallChange, serializeCallChange } from './call-change-codec.js';
import { InProcessCallChangeBus } from './in-process-change-bus.js';
import { redactRedisUrl } from './redis-url.js';

export interface RedisCallChangeBusOptions {
  /** `redis://[user:password@]host:port[/db]`. Its password is never logged nor put in an error. */
  url: string;
  /**
   * Start of the channel name, default `calls` (channel `calls:call-changes`). Only buses with the
   * same prefix hear each other, so several deployments or test runs can share one Redis (pub/sub
   * ignores the database number in the URL, so that does not separate them).
   */
  prefix?: string;
  logger: DomainLogger;
  /**
   * Reads a call's current state from the store. Pub/sub drops whatever is published while a
   * connection is down, so after the subscriber reconnects every call with a listener here is
   * re-read through this and rung with what it finds. Null (an unknown call) rings nothing.
   */
  loadCall: (callId: string) => Promise<CallRecord | null>;
  /**
   * How long `connectRedisCallChangeBus` waits for both connections and the subscription, default
   * 5000 ms: a service should fail its start-up visibly rather than hang on a wrong `REDIS_URL`.
   */
  connectTimeoutMs?: number;
  /** How long `ping()` waits for both connections to answer, default 1000 ms, so a readiness probe never hangs. */
  pingTimeoutMs?: number;
}

type Role = 'publisher' | 'subscriber';

/** Longest pause between reconnect attempts: rings are late for as long as Redis is unreachable. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** How long `close()` waits for Redis to acknowledge QUIT before dropping the socket anyway. */
const QUIT_TIMEOUT_MS = 1000;
/**
 * Most unpublished changes kept for publishing on reconnect (one per call). Beyond it a change is
 * only rung locally, and other instances see it with the call's next change or their own reconnect.
 */
const MAX_UNPUBLISHED_CALLS = 10_000;
/** Store reads at a time when ringing every listener after an outage, to spare a store that may be recovering too. */
const RING_CONCURRENCY = 16;

/**
 * The change bus for several service instances behind a load balancer: a change committed on one
 * instance wakes subscribers connected to any of them.
 *
 * Every change goes through one Redis channel, `<prefix>:call-changes` (one channel keeps each
 * publisher's changes in order and costs one subscription per instance), and each instance,
 * the publisher's own included, fans what it receives out to its local listeners.
 *
 * Like every bus it is a doorbell, not a log, and pub/sub loses whatever is published while a
 * connection is down. So:
 * - a publish that fails is logged, never thrown (the change is committed already), rung to this
 *   instance's own listeners at once, and kept (the latest per call) to be published when the
 *   publisher is back, for instances whose own connection never dropped;
 * - when the subscriber is back, every call with a listener here is re-read with `loadCall` and
 *   rung with its current state, which per-call and every-call listeners both receive.
 *
 * Limit: after an outage an every-call listener is rung only with the calls that also have a
 * per-call listener on this instance. A change made during the outage to any other call reaches it
 * through the publisher's replay if that arrives after this instance has subscribed again (always
 * so when only the publisher's link dropped), and otherwise only with that call's next change.
 *
 * Create one with {@link connectRedisCallChangeBus}.
 */
export class RedisCallChangeBus implements CallChangeBus {
  private readonly local = new InProcessCallChangeBus();
  /** Listener count per call, for knowing which calls to re-read after an outage. */
  private readonly listenedCalls = new Map<string, number>();
  /** Changes whose publish failed, the latest per call, published again when the publisher is back. */
  private readonly unpublished = new Map<string, CallChange>();
  private readonly channel: string;
  private readonly safeUrl: string;
  private readonly logger: DomainLogger;
  private readonly loadCall: (callId: string) => Promise<CallRecord | null>;
  private readonly pingTimeoutMs: number;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribedOnce = false;
  private closed = false;
  private warnedUnpublishedFull = false;
  private lastError: Error | null = null;
  private readonly subscribed: Promise<void>;
  private markSubscribed!: () => void;

  private constructor(options: RedisCallChangeBusOptions) {
    this.channel = `${options.prefix ?? 'calls'}:call-changes`;
    this.safeUrl = redactRedisUrl(options.url);
    this.logger = options.logger;
    this.loadCall = options.loadCall;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 1000;
    this.subscribed = new Promise((resolve) => (this.markSubscribed = resolve));

    const connectionOptions: RedisOptions = {
      // Fail fast instead of queueing while disconnected: a failed publish is kept and replayed by
      // the bus itself, the latest per call, rather than every change piling up in ioredis's queue.
      enableOfflineQueue: false,
      // The bus subscribes itself on every `ready`, so it knows when the subscription is back
      // (ioredis's own resubscription is not awaited) and only then rings its listeners.
      autoResubscribe: false,
      // ioredis arms this timer on `disconnect()` even for a socket that is already closed (Redis
      // was down), holding the process open that long; QUIT has been answered or given up on by then.
      disconnectTimeout: 100,
      retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
    };
    this.publisher = new Redis(options.url, { ...connectionOptions, connectionName: 'call-changes-publisher' });
    this.subscriber = new Redis(options.url, { ...connectionOptions, connectionName: 'call-changes-subscriber' });
    this.watch('publisher', this.publisher, () => this.publishUnpublished());
    this.watch('subscriber', this.subscriber, () => void this.subscribeAndRing());
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
  }

  /** Connects both connections and subscribes; see {@link connectRedisCallChangeBus}. */
  static async connect(options: RedisCallChangeBusOptions): Promise<RedisCallChangeBus> {
    const bus = new RedisCallChangeBus(options);
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const bothReady = Promise.all([bus.subscribed, bus.publisher.status === 'ready' ? null : onceReady(bus.publisher)]);
    const outcome = await Promise.race([bothReady, timedOut]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      await bus.close();
      const reason = bus.lastError ? `: ${bus.lastError.message}` : '';
      throw new Error(`could not connect to Redis at ${bus.safeUrl} within ${timeoutMs} ms${reason}`);
    }
    bus.logger.info({ redis: bus.safeUrl, channel: bus.channel }, 'call change bus connected to Redis');
    return bus;
  }

  publish(change: CallChange): void {
    if (this.closed) return;
    this.send(change, false);
  }

  subscribe(callId: string | null, listener: ChangeListener): () => void {
    const unsubscribe = this.local.subscribe(callId, listener);
    if (callId === null) return unsubscribe;
    this.listenedCalls.set(callId, (this.listenedCalls.get(callId) ?? 0) + 1);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe();
      const left = (this.listenedCalls.get(callId) ?? 1) - 1;
      if (left > 0) this.listenedCalls.set(callId, left);
      else this.listenedCalls.delete(callId);
    };
  }

  /** True when both connections answer PING within `pingTimeoutMs`: for readiness checks. */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.pingTimeoutMs)));
    const answered = Promise.all([this.publisher.ping(), this.subscriber.ping()]).then(
      () => true,
      () => false,
    );
    return Promise.race([answered, timedOut]).finally(() => clearTimeout(timer));
  }

  /** Quits both connections (dropping them if Redis does not answer) and forgets every listener. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([quit(this.publisher), quit(this.subscriber)]);
    this.unpublished.clear();
    this.listenedCalls.clear();
    await this.local.close();
  }

  private send(change: CallChange, replay: boolean): void {
    this.publisher.publish(this.channel, serializeCallChange(change)).then(
      () => {
        const kept = this.unpublished.get(change.callId);
        if (kept && kept.sequence <= change.sequence) this.unpublished.delete(change.callId);
      },
      (error: Error) => this.publishFailed(change, error, replay),
    );
  }

  private publishFailed(change: CallChange, error: Error, replay: boolean): void {
    if (this.closed) return;
    const { callId, sequence } = change;
    this.logger.warn(
      { redis: this.safeUrl, callId, sequence, err: error.message },
      'could not publish a call change to Redis; it will be published when Redis is back',
    );
    // This instance's own subscribers need not wait for Redis; a second ring later is harmless.
    if (!replay) this.ringLocally(change);
    const kept = this.unpublished.get(callId);
    if (kept && kept.sequence >= sequence) return;
    if (!kept && this.unpublished.size >= MAX_UNPUBLISHED_CALLS) {
      if (!this.warnedUnpublishedFull) {
        this.warnedUnpublishedFull = true;
        this.logger.warn({ redis: this.safeUrl, max: MAX_UNPUBLISHED_CALLS }, 'too many unpublished call changes; dropping the newest');
      }
      return;
    }
    this.unpublished.set(callId, change);
  }

  private publishUnpublished(): void {
    if (this.closed || this.unpublished.size === 0) return;
    const changes = [...this.unpublished.values()];
    this.warnedUnpublishedFull = false;
    this.logger.info({ redis: this.safeUrl, calls: changes.length }, 'publishing the call changes Redis missed');
    for (const change of changes) this.send(change, true);
  }

  /** Subscribes after each (re)connect; after a reconnect, rings every local listener once the subscription is live. */
  private async subscribeAndRing(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      // The connection dropped again (or Redis refused): the next `ready` tries again.
      this.lastError = error as Error;
      if (!this.closed) this.logger.warn({ redis: this.safeUrl, err: (error as Error).message }, 'could not subscribe to call changes');
      return;
    }
    if (this.closed) return;
    if (!this.subscribedOnce) {
      this.subscribedOnce = true;
      this.markSubscribed();
      return;
    }
    await this.ringEveryListener();
  }

  /**
   * Rings each call with a listener here with its current state, read only now that the
   * subscription is live again, so whatever changed before it is in the state read and whatever
   * changes after it arrives through Redis.
   */
  private async ringEveryListener(): Promise<void> {
    const callIds = [...this.listenedCalls.keys()];
    this.logger.info({ redis: this.safeUrl, calls: callIds.length }, 'subscribed to call changes again; ringing every listener');
    for (let i = 0; i < callIds.length && !this.closed; i += RING_CONCURRENCY) {
      await Promise.all(
        callIds.slice(i, i + RING_CONCURRENCY).map(async (callId) => {
          try {
            const call = await this.loadCall(callId);
            if (call && !this.closed) this.ringLocally({ callId, sequence: call.lastSequence, call });
          } catch (error) {
            this.logger.warn({ callId, err: (error as Error).message }, 'could not re-read a call to ring its listeners after a Redis outage');
          }
        }),
      );
    }
  }

  private receive(message: string): void {
    const change = parseCallChange(message);
    if (!change) {
      this.logger.warn({ channel: this.channel }, 'ignored a malformed call change message');
      return;
    }
    this.ringLocally(change);
  }

  /** Fans a change out here; a throwing listener must not break the Redis connection's event handling. */
  private ringLocally(change: CallChange): void {
    try {
      this.local.publish(change);
    } catch (error) {
      this.logger.error({ callId: change.callId, err: (error as Error).message }, 'a call change listener failed');
    }
  }

  /**
   * Logs a connection's outages once each (a down Redis errors on every retry), and runs
   * `onReady` on every `ready`. Only error messages are logged: ioredis errors can carry the
   * command that failed, and AUTH's arguments are the password.
   */
  private watch(role: Role, connection: Redis, onReady: () => void): void {
    // An outage is logged once, not on every failed retry.
    let up = false;
    let wasReady = false;
    connection.on('ready', () => {
      if (this.closed) return;
      if (wasReady) this.logger.info({ redis: this.safeUrl, connection: role }, 'Redis connection restored');
      wasReady = true;
      up = true;
      onReady();
    });
    connection.on('error', (error: Error) => {
      if (this.closed) return;
      this.lastError = error;
      const fields = { redis: this.safeUrl, connection: role, err: error.message };
      if (up) this.logger.warn(fields, 'Redis connection error');
      else this.logger.debug(fields, 'Redis connection error');
    });
    connection.on('close', () => {
      if (this.closed || !up) return;
      up = false;
      this.logger.warn({ redis: this.safeUrl, connection: role }, 'Redis connection lost; reconnecting');
    });
  }
}

/**
 * Connects a {@link RedisCallChangeBus}: a publisher and a subscriber connection, both ready and
 * subscribed before it resolves. Rejects after `connectTimeoutMs` with an error naming the Redis
 * URL (without its password) and the last connection error.
 */
export function connectRedisCallChangeBus(options: RedisCallChangeBusOptions): Promise<RedisCallChangeBus> {
  return RedisCallChangeBus.connect(options);
}

function onceReady(connection: Redis): Promise<void> {
  return new Promise((resolve) => connection.once('ready', () => resolve()));
}

/** QUIT when connected, then drop the socket and stop reconnecting whatever the answer was. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)));
    const acknowledged = connection.quit().then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([acknowledged, timedOut]).finally(() => clearTimeout(timer));
  }
  connection.disconnect();
}
