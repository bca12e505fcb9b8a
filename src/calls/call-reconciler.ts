import type { CallService } from './call-service.js';
import type { DomainLogger } from './domain-logger.js';
import type { CallCursor, CallStore } from './call-store.js';
import { CallState, type CallRecord } from './call.js';

export interface CallReconcilerOptions {
  service: CallService;
  store: CallStore;
  logger: DomainLogger;
  /**
   * A call that has not ended and has heard nothing for this long is checked against Bandwidth's
   * records: its hangup may have been lost (v1 documents no callback retries).
   */
  silenceMs: number;
  /** How often to look for silent calls; default a fifth of the silence, at most a minute. */
  intervalMs?: number;
  /** How long idempotency keys are honoured. */
  idempotencyKeyTtlMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 100;

/**
 * The watchdog: finds calls stuck short of an end and asks Bandwidth how they really stand, so no
 * call stays RINGING or ACTIVE forever because an event never arrived. What it learns is logged as
 * RECONCILED events.
 */
export class CallReconciler {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private catchingUp: Promise<unknown> = Promise.resolve();
  /** When each still-silent call was last checked, so an unchanged call is not asked about every tick. */
  private readonly checkedAt = new Map<string, number>();
  private stopped = false;

  constructor(private readonly options: CallReconcilerOptions) {}

  /**
   * Starts the watchdog, and checks every call that has not ended against Bandwidth at once: a
   * start follows a stop or a crash, and the webhooks sent meanwhile may be lost (v2 retries no
   * BXML webhook, and v1 gives up after a while), so a call that ended meanwhile would otherwise
   * show live until its silence passed `silenceMs`.
   */
  start(): void {
    this.catchingUp = this.catchUp().catch((error: unknown) =>
      this.options.logger.error({ err: { message: (error as Error).message } }, 'start-up reconciliation failed'),
    );
    const interval = this.options.intervalMs ?? Math.min(60_000, Math.max(200, this.options.silenceMs / 5));
    this.timer = setInterval(() => {
      this.sweeping = this.sweep().catch((error: unknown) =>
        this.options.logger.error({ err: { message: (error as Error).message } }, 'reconciliation sweep failed'),
      );
    }, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.catchingUp, this.sweeping]);
  }

  /** Ends every call that has not ended here but has at Bandwidth; returns how many it changed. */
  async catchUp(): Promise<number> {
    let checked = 0;
    let changed = 0;
    for await (const call of this.liveCallsWithBandwidthIds()) {
      if (this.stopped) break;
      checked += 1;
      // Ends only: an answer Bandwidth reports may have its webhook on the way this moment, and on
      // v2 that webhook's reply is what plays the queue.
      if (await this.check(call.id, true, 'at start-up')) changed += 1;
    }
    if (checked > 0) this.options.logger.info({ checked, changed }, 'reconciled the calls that had not ended with Bandwidth at start-up');
    return changed;
  }

  /** One pass: returns how many calls it changed. */
  async sweep(): Promise<number> {
    const { store, silenceMs } = this.options;
    const now = Date.now();
    const silent = await store.listSilentCalls(new Date(now - silenceMs), BATCH);
    const stillSilent = new Set(silent.map((call) => call.id));
    for (const id of this.checkedAt.keys()) if (!stillSilent.has(id)) this.checkedAt.delete(id);

    let changed = 0;
    for (const call of silent) {
      if (!call.providerCallId || now - (this.checkedAt.get(call.id) ?? 0) < silenceMs) continue;
      if (await this.check(call.id, false, 'silent')) changed += 1;
    }
    await store.deleteIdempotencyKeys(new Date(now - (this.options.idempotencyKeyTtlMs ?? DAY_MS)));
    return changed;
  }

  /** Asks Bandwidth about one call; whether that changed it. A failure is logged and changes nothing. */
  private async check(callId: string, endsOnly: boolean, why: 'at start-up' | 'silent'): Promise<boolean> {
    const { service, logger } = this.options;
    this.checkedAt.set(callId, Date.now());
    try {
      const changed = await service.reconcile(callId, endsOnly);
      if (changed) logger.info({ callId, why }, 'reconciled a call with Bandwidth');
      return changed;
    } catch (error) {
      logger.warn({ callId, why, err: { message: (error as Error).message } }, 'could not reconcile a call with Bandwidth');
      return false;
    }
  }

  /** Every RINGING or ACTIVE call (the states in which a call has a Bandwidth id and has not ended), page by page. */
  private async *liveCallsWithBandwidthIds(): AsyncGenerator<CallRecord> {
    for (const state of [CallState.RINGING, CallState.ACTIVE]) {
      let after: CallCursor | undefined;
      for (;;) {
        const page = await this.options.store.listCalls({ first: BATCH, after, state });
        yield* page;
        const last = page.at(-1);
        if (!last || page.length < BATCH) break;
        after = { createdAt: last.createdAt, id: last.id };
      }
    }
  }
}
