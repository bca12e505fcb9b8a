import type { Logger } from 'pino';
import { attemptCallback, type AttemptFailure, type CallbackBody, type CallbackHttpMethod } from './callback-attempt.js';
import type { CallbackFaults } from './callback-faults.js';
import { withoutCredentials } from './callback-url.js';
import { pause } from './pause.js';

/** One event to deliver, with everything needed to deliver it again later. */
interface CallbackDelivery {
  eventType: string;
  body: CallbackBody;
  /** May contain credentials. */
  url: string;
  /** Tried once after the callback URL's tries are used up. May contain credentials. */
  fallbackUrl?: string;
  method: CallbackHttpMethod;
  timeoutMs: number;
  /** The `User-Agent` of the API version whose event this is. */
  userAgent: string;
  /** Keep the receiver's answer in the attempt's `response` (v2's BXML webhooks). */
  captureResponse?: boolean;
}

/** One HTTP attempt, as the control API shows it (URLs without credentials). */
export interface CallbackAttemptRecord {
  index: number;
  eventType: string;
  body: CallbackBody;
  url: string;
  method: CallbackHttpMethod;
  /** Which URL of the delivery was tried. */
  target: 'callback' | 'fallback';
  /** 1 for the first try of that URL, 2 for the first retry, and so on. */
  try: number;
  /** Which copy (1-based) when the duplicate fault sends the event more than once; absent otherwise. */
  copy?: number;
  status?: number;
  error?: string;
  /** What a 2xx answer said, for deliveries that keep it (v2's BXML webhooks). */
  response?: { body: string; contentType?: string };
  at: string;
  durationMs: number;
}

/** A callback whose sending is suspended by a hold, as `GET /control/calls/{id}/held` lists it. */
interface HeldCallback {
  index: number;
  eventType: string;
  body: CallbackBody;
}

interface QueuedCallback {
  delivery: CallbackDelivery;
  /** Epoch ms before which it may not be sent (the injected latency). */
  notBefore: number;
  /** Sent exactly once, whatever the duplicate fault says: a test asked for this very delivery. */
  once: boolean;
  settle: (attempts: CallbackAttemptRecord[]) => void;
}

/**
 * Delivers one call's callbacks strictly in order: the next event goes out only when the previous
 * delivery (with its retries and fallback) has finished, so receivers see events in the order they
 * happened unless a test injects latency, duplicates, redeliveries or a hold-and-reorder on purpose.
 */
export class CallbackQueue {
  private readonly records: { record: CallbackAttemptRecord; delivery: CallbackDelivery }[] = [];
  private pending: QueuedCallback[] = [];
  /** Defined while the call is held: what would have been sent, in order. */
  private held: CallbackDelivery[] | undefined;
  private draining = false;
  /** Ends the latency wait of the callback next in line, so a hold takes it at once. */
  private interruptWait: (() => void) | undefined;

  constructor(
    private readonly callId: string,
    private readonly signal: AbortSignal,
    private readonly faults: CallbackFaults,
    private readonly logger?: Logger,
  ) {}

  get attempts(): CallbackAttemptRecord[] {
    return this.records.map(({ record }) => record);
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  get heldCallbacks(): HeldCallback[] {
    return (this.held ?? []).map((delivery, index) => ({ index, eventType: delivery.eventType, body: delivery.body }));
  }

  /** The delivery behind attempt `index`, to send its body again. */
  deliveryOf(index: number): CallbackDelivery | undefined {
    return this.records[index]?.delivery;
  }

  /**
   * Queues an event as it happens, subject to the callback faults. The promise resolves, with the
   * attempts made for it, once it and everything queued before it is done; it never rejects. While
   * the call is held it resolves at once with no attempts, so whatever caused the event (a far-end
   * hang-up, say) does not wait for a release that may never come.
   */
  enqueue(delivery: CallbackDelivery): Promise<CallbackAttemptRecord[]> {
    return this.push(delivery, Date.now() + this.faults.delayMs, false);
  }

  /** Sends a recorded delivery again, once and without injected latency; callers refuse it while held. */
  redeliver(delivery: CallbackDelivery): Promise<CallbackAttemptRecord[]> {
    return this.push(delivery, 0, true);
  }

  /**
   * From now on nothing is sent: what is queued, and what happens next, is kept in order until
   * `release`. A delivery already being sent still finishes, since it cannot be taken back.
   */
  hold(): void {
    if (this.held) return;
    this.held = [];
    this.holdPending();
  }

  /**
   * Sends the held callbacks in `order` (a permutation of their indices, checked by the caller)
   * and stops holding. They skip the injected latency (the hold was their delay) but are
   * duplicated like any other event. Resolves with their attempts once they are all delivered.
   */
  release(order: readonly number[]): Promise<CallbackAttemptRecord[]> {
    const held = this.held ?? [];
    this.held = undefined;
    const deliveries = order.map((index) => this.push(held[index], 0, false));
    return Promise.all(deliveries).then((attempts) => attempts.flat());
  }

  private push(delivery: CallbackDelivery, notBefore: number, once: boolean): Promise<CallbackAttemptRecord[]> {
    if (this.signal.aborted) return Promise.resolve([]);
    if (this.held) {
      this.held.push(delivery);
      return Promise.resolve([]);
    }
    return new Promise((settle) => {
      this.pending.push({ delivery, notBefore, once, settle });
      void this.drain();
    });
  }

  private holdPending(): void {
    for (const queued of this.pending) {
      this.held?.push(queued.delivery);
      queued.settle([]);
    }
    this.pending = [];
    this.interruptWait?.();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.pending[0]; next !== undefined && !this.signal.aborted; next = this.pending[0]) {
        await this.waitUntil(next.notBefore);
        // A hold during the wait took it, and everything behind it, out of the queue.
        if (this.pending[0] !== next) continue;
        this.pending.shift();
        next.settle(await this.send(next));
      }
    } finally {
      this.draining = false;
      if (this.signal.aborted) this.dropPending();
    }
  }

  private async waitUntil(notBefore: number): Promise<void> {
    const delayMs = notBefore - Date.now();
    if (delayMs <= 0) return;
    const interrupted = new AbortController();
    this.interruptWait = () => interrupted.abort();
    try {
      await pause(delayMs, AbortSignal.any([this.signal, interrupted.signal]));
    } finally {
      this.interruptWait = undefined;
    }
  }

  /** The call is gone: whoever waits on a delivery learns that none will be made. */
  private dropPending(): void {
    for (const queued of this.pending) queued.settle([]);
    this.pending = [];
  }

  private async send(queued: QueuedCallback): Promise<CallbackAttemptRecord[]> {
    const made: CallbackAttemptRecord[] = [];
    try {
      const copies = queued.once ? 1 : 1 + this.faults.duplicate;
      for (let copy = 1; copy <= copies && !this.signal.aborted; copy += 1) {
        await this.deliver(queued.delivery, copies > 1 ? copy : undefined, made);
      }
    } catch (error) {
      this.logger?.error({ err: error, callId: this.callId }, 'callback delivery crashed');
    }
    return made;
  }

  /** One copy of an event: the callback URL with the current retry policy, then the fallback URL. */
  private async deliver(delivery: CallbackDelivery, copy: number | undefined, made: CallbackAttemptRecord[]): Promise<void> {
    const policy = this.faults.retryPolicy;
    for (let attempt = 1; ; attempt += 1) {
      const failure = await this.attempt(delivery, delivery.url, 'callback', attempt, copy, made);
      if (failure === undefined) return;
      if (attempt > policy.retries || !policy.retriesAfter(failure)) break;
      await pause(policy.delayMs, this.signal);
    }
    if (delivery.fallbackUrl !== undefined) await this.attempt(delivery, delivery.fallbackUrl, 'fallback', 1, copy, made);
  }

  /** Why the attempt failed, or undefined when it settled the delivery: delivered, or the call is gone. */
  private async attempt(
    delivery: CallbackDelivery,
    url: string,
    target: 'callback' | 'fallback',
    attempt: number,
    copy: number | undefined,
    made: CallbackAttemptRecord[],
  ): Promise<AttemptFailure | undefined> {
    if (this.signal.aborted) return undefined;
    const startedAt = new Date();
    const result = await attemptCallback({
      url,
      method: delivery.method,
      body: delivery.body,
      userAgent: delivery.userAgent,
      timeoutMs: delivery.timeoutMs,
      signal: this.signal,
      captureResponse: delivery.captureResponse,
    });
    if (result.outcome === 'aborted') return undefined;
    const record: CallbackAttemptRecord = {
      index: this.records.length,
      eventType: delivery.eventType,
      body: delivery.body,
      url: withoutCredentials(url),
      method: delivery.method,
      target,
      try: attempt,
      copy,
      status: result.status,
      error: result.outcome === 'failed' ? result.error : undefined,
      ...(result.outcome === 'delivered' && result.responseBody !== undefined
        ? { response: { body: result.responseBody, contentType: result.responseType } }
        : {}),
      at: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
    };
    this.records.push({ record, delivery });
    made.push(record);
    this.logger?.debug(
      { callId: this.callId, eventType: record.eventType, url: record.url, target, try: attempt, copy, status: record.status, error: record.error },
      'callback attempt',
    );
    return result.outcome === 'failed' ? result : undefined;
  }
}
