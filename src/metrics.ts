import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BandwidthRequestObserver } from './bandwidth/v1/client.js';
import type { LiveWork } from './calls/call-store.js';
import { LIVE_CALL_STATES } from './calls/call.js';
import type { TransactionObserver } from './store/transaction-observer.js';

/** How a webhook delivery ended, as counted by `catapult_webhook_events_total`. */
export type WebhookOutcome = 'applied' | 'recorded' | 'duplicate' | 'unmatched' | 'rejected' | 'unauthorized';

/**
 * The service's Prometheus metrics (`GET /metrics`), one registry per running service so that
 * several in one process (tests) keep their own counts.
 *
 * Counters and histograms are updated as things happen; the gauges that describe live work
 * (calls by state, audio queue depth, outbox backlog) are read from the store at each scrape,
 * so they are right across instances and restarts. Labels are bounded: event types outside
 * Bandwidth's documented set count as `other`, Bandwidth endpoints are path templates.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly webhookEvents = new Counter({
    name: 'catapult_webhook_events_total',
    help: 'Bandwidth webhook deliveries, by event type and outcome (applied, recorded, duplicate, unmatched, rejected, unauthorized).',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly bandwidthRequests = new Counter({
    name: 'catapult_bandwidth_requests_total',
    help: 'Attempts at requests to Bandwidth, by endpoint and HTTP status (error: no answer).',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  private readonly bandwidthDuration = new Histogram({
    name: 'catapult_bandwidth_request_duration_seconds',
    help: 'Time of one attempt at a request to Bandwidth, by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly bandwidthRetries = new Counter({
    name: 'catapult_bandwidth_request_retries_total',
    help: 'Requests to Bandwidth sent again after a failed attempt, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  private readonly subscriptions = new Gauge({
    name: 'catapult_graphql_subscriptions_active',
    help: 'GraphQL subscriptions open on this instance, by field (callEvents, callUpdated).',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  private readonly subscriptionsRefused = new Counter({
    name: 'catapult_graphql_subscriptions_refused_total',
    help: 'Subscriptions refused with TOO_MANY_SUBSCRIPTIONS, by the limit they would have passed (connection, token, instance).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly connectionsRefused = new Counter({
    name: 'catapult_websocket_connections_refused_total',
    help: 'WebSockets closed with 1013 as one too many, by the limit they would have passed (address, token).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly connectionsTooSlow = new Counter({
    name: 'catapult_websocket_too_slow_total',
    help: 'WebSockets closed with 1008 for holding more unsent data than WS_MAX_BUFFERED_BYTES.',
    registers: [this.registry],
  });

  private readonly callsByState = new Gauge({
    name: 'catapult_calls',
    help: 'Calls that have not ended, by state (all instances: read from the store).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  private readonly audioQueueDepth = new Gauge({
    name: 'catapult_audio_queue_depth',
    help: 'Audio files waiting their turn on calls that have not ended (all instances).',
    registers: [this.registry],
  });

  private readonly outboxBacklog = new Gauge({
    name: 'catapult_outbox_backlog',
    help: 'Requests to Bandwidth decided but not yet sent or settled (all instances).',
    registers: [this.registry],
  });

  private readonly commitSizes = new Histogram({
    name: 'catapult_store_commit_transactions',
    help: 'Transactions committed in one database transaction, per commit (more than one: committed together, group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  private readonly batchReruns = new Counter({
    name: 'catapult_store_batch_reruns_total',
    help: 'Transactions run again, each on its own, after the database transaction their batch shared failed.',
    registers: [this.registry],
  });

  /** Feeds the store's commits into the store metrics. */
  readonly transactions: TransactionObserver = {
    committed: (size) => this.commitSizes.observe(size),
    rerunAlone: (size) => this.batchReruns.inc(size),
  };

  /** Feeds the Bandwidth client's attempts and retries into the request metrics. */
  readonly bandwidth: BandwidthRequestObserver = {
    attempted: (endpoint, outcome, durationMs) => {
      this.bandwidthRequests.inc({ endpoint, status: String(outcome) });
      this.bandwidthDuration.observe({ endpoint }, durationMs / 1000);
    },
    retried: (endpoint) => this.bandwidthRetries.inc({ endpoint }),
  };

  /** `liveWork` reads what the live-work gauges show, at each scrape (the store's `countLiveWork`). */
  constructor(private readonly liveWork: () => Promise<LiveWork>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'catapult_' });
    for (const state of LIVE_CALL_STATES) this.callsByState.set({ state }, 0);
  }

  webhook(eventType: string, outcome: WebhookOutcome): void {
    this.webhookEvents.inc({ event_type: eventType, outcome });
  }

  subscriptionStarted(field: string): void {
    this.subscriptions.inc({ field });
  }

  subscriptionEnded(field: string): void {
    this.subscriptions.dec({ field });
  }

  subscriptionRefused(limit: string): void {
    this.subscriptionsRefused.inc({ limit });
  }

  connectionRefused(limit: string): void {
    this.connectionsRefused.inc({ limit });
  }

  connectionTooSlow(): void {
    this.connectionsTooSlow.inc();
  }

  /** The exposition text, with the live-work gauges read from the store first. */
  async render(): Promise<string> {
    const work = await this.liveWork();
    for (const state of LIVE_CALL_STATES) this.callsByState.set({ state }, work.callsByState[state] ?? 0);
    this.audioQueueDepth.set(work.queuedPlaybacks);
    this.outboxBacklog.set(work.pendingRequests);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
