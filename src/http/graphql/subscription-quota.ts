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

/** Counts open subscriptions per connection, per caller and on the instance, and grants or refuses new ones. */
export class SubscriptionQuota {
  private readonly byConnection = new WeakMap<object, number>();
  private readonly byCaller = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: SubscriptionLimits) {}

  /** A slot for one more subscription of `caller` on `connection`, or the limit it would pass. */
  take(connection: object, caller: string): QuotaOutcome {
    const onConnection = this.byConnection.get(connection) ?? 0;
    const ofCaller = this.byCaller.get(caller) ?? 0;
    if (onConnection >= this.limits.perConnection) return { granted: false, limit: 'connection', max: this.limits.perConnection };
    if (ofCaller >= this.limits.perToken) return { granted: false, limit: 'token', max: this.limits.perToken };
    if (this.total >= this.limits.perInstance) return { granted: false, limit: 'instance', max: this.limits.perInstance };
    this.byConnection.set(connection, onConnection + 1);
    this.byCaller.set(caller, ofCaller + 1);
    this.total += 1;
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        this.byConnection.set(connection, (this.byConnection.get(connection) ?? 1) - 1);
        const left = (this.byCaller.get(caller) ?? 1) - 1;
        if (left > 0) this.byCaller.set(caller, left);
        else this.byCaller.delete(caller);
        this.total -= 1;
      },
    };
  }
}
