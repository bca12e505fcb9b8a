import type { CallRecord } from './call.js';
import { notFound } from './call-errors.js';
import { CallMutation } from './call-mutation.js';
import type { CallStore, CallStoreTransaction, OutboxLease } from './call-store.js';
import type { ChangeNotifier } from './change-notifier.js';
import type { EffectOutcome } from './effect-runner.js';
import type { OutboxItem } from './outbox.js';

/** What a unit of work's callback hands back: the change to write, if any, and a value for its caller. */
export interface Work<T> {
  /** Written and announced once committed; absent when there is nothing to write (or `work` wrote it itself). */
  mutation?: CallMutation;
  value: T;
}

/** What a committed unit of work gives its caller: the callback's value, and each request's outcome once sent. */
export interface Committed<T> {
  value: T;
  requests: Array<Promise<EffectOutcome>>;
}

/** Attempts at a transaction that keeps losing races with other instances before giving up. */
const MAX_CONFLICT_RETRIES = 5;

export interface UnitOfWorkOptions {
  store: CallStore;
  notifier: ChangeNotifier;
  clock: () => Date;
  /** Names this instance in the leases of the outbox entries it writes. */
  instanceId: string;
  /** How long an outbox entry stays leased to the instance that wrote or claimed it. */
  leaseMs: number;
  /**
   * Sends an outbox entry once the change that wrote it has committed; resolves with how it went.
   * Late-bound, because the outbox delivery itself commits through this unit of work.
   */
  send: (item: OutboxItem, attemptStarted: boolean) => Promise<EffectOutcome>;
}

/**
 * The one way a change to a call is made: lock the call, change it through a {@link CallMutation},
 * write what changed together with the provider requests it decided, and only after the commit
 * tell subscribers and send those requests.
 */
export class UnitOfWork {
  readonly store: CallStore;
  readonly clock: () => Date;

  constructor(private readonly options: UnitOfWorkOptions) {
    this.store = options.store;
    this.clock = options.clock;
  }

  /** The lease an outbox entry written or claimed now is held under. */
  lease(from: Date = this.clock()): OutboxLease {
    return { by: this.options.instanceId, until: new Date(from.getTime() + this.options.leaseMs) };
  }

  /** Locks a call and its audio queue for a change; null when there is no such call. */
  async open(tx: CallStoreTransaction, callId: string): Promise<CallMutation | null> {
    const call = await tx.lockCall(callId);
    return call ? new CallMutation(call, await tx.listPlaybacks(call.id), this.clock()) : null;
  }

  /** Runs `work` on one call inside a transaction and returns the call as committed. */
  async change(callId: string, work: (m: CallMutation) => void): Promise<CallRecord> {
    const { value } = await this.commit(async (tx) => {
      const mutation = await this.open(tx, callId);
      if (!mutation) throw notFound(callId);
      work(mutation);
      return { mutation, value: mutation.call };
    });
    return value;
  }

  /**
   * Runs `work` in a transaction and writes the mutation it hands back — its provider requests go
   * into the outbox in the same transaction — then, once committed, tells subscribers and sends the
   * requests. Returns `work`'s value (from the attempt that committed: a transaction lost to
   * another instance runs `work` again) and one outcome per request, in the order the mutation
   * asked for them. No mutation: whatever `work` wrote itself is committed, and nothing announced.
   */
  async commit<T>(work: (tx: CallStoreTransaction) => Promise<Work<T>>): Promise<Committed<T>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { m, value, items } = await this.store.transaction(async (tx) => {
          const { mutation, value } = await work(tx);
          return { m: mutation, value, items: mutation ? await this.persist(tx, mutation) : [] };
        });
        if (m?.callChanged) {
          this.options.notifier.publish({ callId: m.call.id, sequence: m.call.lastSequence, call: m.call, events: m.events });
        }
        return { value, requests: items.map((item) => this.options.send(item, item.effect.kind !== 'create')) };
      } catch (error) {
        // Another instance won a race (the same inbound call, the same idempotency key): run
        // again, and this time see what it wrote.
        if (attempt >= MAX_CONFLICT_RETRIES || !this.store.isConflict(error)) throw error;
      }
    }
  }

  async requireCall(callId: string): Promise<CallRecord> {
    const call = await this.store.getCall(callId);
    if (!call) throw notFound(callId);
    return call;
  }

  private async persist(tx: CallStoreTransaction, m: CallMutation): Promise<OutboxItem[]> {
    if (m.callChanged) m.call.updatedAt = m.now;
    if (m.isNew) await tx.insertCall(m.call);
    else if (m.callChanged) await tx.updateCall(m.call);
    for (const playback of m.playbacks) {
      if (m.newPlaybacks.has(playback.id)) await tx.insertPlayback(playback);
      else if (m.changedPlaybacks.has(playback.id)) await tx.updatePlayback(playback);
    }
    for (const event of m.events) await tx.insertEvent(event);
    for (const change of m.outboxChanges) {
      if ('status' in change) await tx.finishOutbox(change.id, change.status, change.error, m.now);
      else await tx.deferOutbox(change.id, change.notBefore, this.lease(change.notBefore), m.now);
    }
    // A request other than a dial is sent the moment this commits, under the lease written with it:
    // its first attempt is recorded now, which spares it a transaction of its own before the
    // provider is asked (the time to audio). A dial's attempts are the dialler's, which paces them.
    const items: OutboxItem[] = [];
    for (const effect of m.effects) items.push(await tx.insertOutbox(effect, m.now, this.lease(m.now), m.now, effect.kind !== 'create'));
    return items;
  }
}
