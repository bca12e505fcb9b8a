import type { Logger } from 'pino';
import { attemptCallback, type CallbackBody, type CallbackHttpMethod } from './callback-attempt.js';
import { withoutCredentials } from './callback-url.js';

/** Pause before the single retry of a failed delivery. */
const RETRY_DELAY_MS = 500;

/** One event to deliver, with everything needed to deliver it again later. */
export interface CallbackDelivery {
  eventType: string;
  body: CallbackBody;
  /** May contain credentials. */
  url: string;
  /** Tried once after the callback URL failed twice. May contain credentials. */
  fallbackUrl?: string;
  method: CallbackHttpMethod;
  timeoutMs: number;
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
  /** 1 for the first try of that URL, 2 for the retry. */
  try: number;
  status?: number;
  error?: string;
  at: string;
  durationMs: number;
}

/** Resolves after `delayMs`, or as soon as `signal` aborts. */
function pause(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, delayMs);
    signal.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Delivers one call's callbacks strictly in order: the next event goes out only when the previous
 * delivery (with its retry and fallback) has finished, so receivers see events in the order they
 * happened unless a test redelivers one on purpose.
 */
export class CallbackQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly records: { record: CallbackAttemptRecord; delivery: CallbackDelivery }[] = [];

  constructor(
    private readonly callId: string,
    private readonly signal: AbortSignal,
    private readonly logger?: Logger,
  ) {}

  get attempts(): CallbackAttemptRecord[] {
    return this.records.map(({ record }) => record);
  }

  /** The delivery behind attempt `index`, to send its body again. */
  deliveryOf(index: number): CallbackDelivery | undefined {
    return this.records[index]?.delivery;
  }

  /**
   * Queues a delivery. The promise resolves, with the attempts made for this delivery, once it and
   * everything queued before it is done; it never rejects.
   */
  enqueue(delivery: CallbackDelivery): Promise<CallbackAttemptRecord[]> {
    const done = this.tail.then(() => this.deliver(delivery)).catch((error: unknown): CallbackAttemptRecord[] => {
      this.logger?.error({ err: error, callId: this.callId }, 'callback delivery crashed');
      return [];
    });
    this.tail = done;
    return done;
  }

  private async deliver(delivery: CallbackDelivery): Promise<CallbackAttemptRecord[]> {
    const made: CallbackAttemptRecord[] = [];
    if (await this.attempt(delivery, delivery.url, 'callback', 1, made)) return made;
    await pause(RETRY_DELAY_MS, this.signal);
    if (await this.attempt(delivery, delivery.url, 'callback', 2, made)) return made;
    if (delivery.fallbackUrl !== undefined) await this.attempt(delivery, delivery.fallbackUrl, 'fallback', 1, made);
    return made;
  }

  /** True when this attempt settled the delivery: delivered, or the call is gone and nobody cares. */
  private async attempt(
    delivery: CallbackDelivery,
    url: string,
    target: 'callback' | 'fallback',
    attempt: number,
    made: CallbackAttemptRecord[],
  ): Promise<boolean> {
    if (this.signal.aborted) return true;
    const startedAt = new Date();
    const result = await attemptCallback({
      url,
      method: delivery.method,
      body: delivery.body,
      timeoutMs: delivery.timeoutMs,
      signal: this.signal,
    });
    if (result.outcome === 'aborted') return true;
    const record: CallbackAttemptRecord = {
      index: this.records.length,
      eventType: delivery.eventType,
      body: delivery.body,
      url: withoutCredentials(url),
      method: delivery.method,
      target,
      try: attempt,
      status: result.status,
      error: result.outcome === 'failed' ? result.error : undefined,
      at: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
    };
    this.records.push({ record, delivery });
    made.push(record);
    this.logger?.debug(
      { callId: this.callId, eventType: record.eventType, url: record.url, target, try: attempt, status: record.status, error: record.error },
      'callback attempt',
    );
    return result.outcome === 'delivered';
  }
}
