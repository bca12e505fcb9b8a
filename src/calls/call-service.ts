import type { CallRecord, PlaybackRecord } from './call.js';
import { CallCommands } from './call-commands.js';
import type { ProviderEvent } from './call-signal.js';
import type { CallStore } from './call-store.js';
import type { ChangeNotifier } from './change-notifier.js';
import { validCallId, type CreateCallInput, type PlayAudioInput } from './command-input.js';
import type { DomainLogger } from './domain-logger.js';
import type { Caller } from './idempotency-keys.js';
import { OutboxDelivery } from './outbox-delivery.js';
import { ProviderEvents, type IngestOutcome } from './provider-events.js';
import { UnitOfWork } from './unit-of-work.js';
import type { VoiceGateway } from './voice-gateway.js';


export interface CallServiceOptions {
  store: CallStore;
  gateway: VoiceGateway;
  notifier: ChangeNotifier;
  /**
   * The URL the provider sends each call's events to, credentials included. Read for every call:
   * a server on an ephemeral port knows its own URL only once it listens.
   */
  callbackUrl: () => string;
  logger: DomainLogger;
  /** Outbound calls placed per second at most (default 1, Bandwidth's default limit). */
  callsPerSecond?: number;
  /**
   * Names this instance in outbox leases. Keep it stable across restarts (the configuration's
   * default is host and port), so a restarted instance takes its own unfinished requests back at
   * once instead of waiting for their leases; no default here, where neither is known.
   */
  instanceId: string;
  /** How long an instance holds an outbox entry it is sending before another may take over. */
  outboxLeaseMs?: number;
  /**
   * Outbox entries a sweep claims per query; a sweep pages through all of them.
   * @default 500
   */
  outboxSweepPage?: number;
  /**
   * How long past a call's ring timeout a create whose outcome is unknown waits for the
   * provider's events or records to show the call before it is taken as never placed: they may
   * arrive late (Bandwidth documents its call records as near-realtime, "may take a few minutes").
   * @default 60000
   */
  unconfirmedDialMarginMs?: number;
  /** Injected so tests can control time; defaults to the wall clock. */
  clock?: () => Date;
}

/**
 * The call domain's use cases: place, answer and end calls, queue and stop audio, and apply the
 * provider's events.
 *
 * Each change is one store transaction over one call ({@link UnitOfWork}). The provider requests a
 * change calls for are written to the outbox in that transaction and sent only after it commits
 * ({@link OutboxDelivery}), so a crash never loses a decided request (it is sent on restart) and
 * never leaves a record claiming a request that was not decided.
 */
export class CallService {
  private readonly commands: CallCommands;
  private readonly events: ProviderEvents;
  private readonly delivery: OutboxDelivery;

  constructor(options: CallServiceOptions) {
    const leaseMs = options.outboxLeaseMs ?? 30_000;
    const work = new UnitOfWork({
      store: options.store,
      notifier: options.notifier,
      clock: options.clock ?? (() => new Date()),
      instanceId: options.instanceId,
      leaseMs,
      send: (item, attemptStarted) => this.delivery.dispatch(item, attemptStarted),
    });
    this.commands = new CallCommands(work);
    this.events = new ProviderEvents(work, options.gateway);
    this.delivery = new OutboxDelivery({
      work,
      gateway: options.gateway,
      callbackUrl: options.callbackUrl,
      logger: options.logger,
      callsPerSecond: options.callsPerSecond ?? 1,
      leaseMs,
      sweepPage: options.outboxSweepPage ?? 500,
      unconfirmedDialMarginMs: options.unconfirmedDialMarginMs ?? 60_000,
    });
  }

  /**
   * Sends what the outbox still holds — requests decided before a restart, or by an instance that
   * died — and keeps looking for such entries every half lease.
   */
  resume(): Promise<number> {
    return this.delivery.resume();
  }

  createCall(input: CreateCallInput, caller?: Caller): Promise<CallRecord> {
    return this.commands.createCall(input, caller);
  }

  playAudio(input: PlayAudioInput, caller?: Caller): Promise<PlaybackRecord> {
    return this.commands.playAudio(input, caller);
  }

  stopAudio(callId: string): Promise<CallRecord> {
    return this.commands.stopAudio(validCallId(callId));
  }

  hangUpCall(callId: string): Promise<CallRecord> {
    return this.commands.hangUpCall(validCallId(callId));
  }

  answerCall(callId: string): Promise<CallRecord> {
    return this.commands.answerCall(validCallId(callId));
  }

  /**
   * Applies one provider event. The event is committed (or counted as a redelivery) before this
   * resolves, so the webhook can acknowledge it; provider requests it triggers run afterwards.
   */
  ingest(event: ProviderEvent): Promise<IngestOutcome> {
    return this.events.ingest(event);
  }

  /**
   * Brings a call in line with the provider's own records, for when an event never arrived;
   * `endsOnly`: only an end it missed. Returns whether it changed anything.
   */
  reconcile(callId: string, endsOnly = false): Promise<boolean> {
    return this.events.reconcile(callId, endsOnly);
  }

  /** Waits until every provider request already decided has been made; for shutdown and tests. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  /** Stops dialling queued calls; what is left stays in the outbox for the next start. */
  stop(): void {
    this.delivery.stop();
  }
}
