import { KeyedCounter } from './keyed-counter.js';

/**
 * How many subscriptions may be open at once. Each costs memory (tens of KiB with its socket's
 * share) and a place in its call's feed, so without a bound one client could take the memory
 * every other client needs.
 */
export interface SubscriptionLimits {
  /**
   * On one WebSocket. The call console holds a handful.
   * @default 100
   */
  perConnection: number;
  /**
   * For one API token over all its sockets (for everyone together when no tokens are configured).
   * @default 1000
   */
  perToken: number;
  /**
   * On this instance, whoever holds them.
   * @default 10000
   */
  perInstance: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perConnection: 100, perToken: 1000, perInstance: 10_000 };

/** Which limit refused a subscription, as `extensions.limit` names it. */
export type SubscriptionLimitName = 'connection' | 'token' | 'instance';

export type QuotaOutcome = { granted: true; release: () => void } | { granted: false; limit: SubscriptionLimitName; max: number };

/** Counts open subscriptions per caller and on the instance, and grants or refuses new ones. */
export class SubscriptionQuota {
  private readonly byCaller = new KeyedCounter();
  private total = 0;

  constructor(private readonly limits: SubscriptionLimits) {}

  /**
   * A slot for one more subscription of `caller` on a connection that holds `onConnection` open
   * ones already (the connection keeps its own list of them), or the limit it would pass.
   */
  take(caller: string, onConnection: number): QuotaOutcome {
    if (onConnection >= this.limits.perConnection) return { granted: false, limit: 'connection', max: this.limits.perConnection };
    if (this.byCaller.count(caller) >= this.limits.perToken) return { granted: false, limit: 'token', max: this.limits.perToken };
    if (this.total >= this.limits.perInstance) return { granted: false, limit: 'instance', max: this.limits.perInstance };
    const releaseCaller = this.byCaller.add(caller);
    this.total += 1;
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        releaseCaller();
        this.total -= 1;
      },
    };
  }
}
