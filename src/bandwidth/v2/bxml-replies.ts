import { renderBxml, type BxmlVerb } from './bxml.js';

/**
 * A webhook of one call that is waiting for its BXML reply: the document the requests decided while
 * it was open go out in the reply instead of a `PUT …/bxml`, so no REST request races the reply.
 */
export interface BxmlReply {
  /**
   * The `<Response>` the requests filled in, or undefined when none did (the route then replies its
   * default). Seals the reply: a request arriving afterwards goes out as `PUT …/bxml`, since this
   * document is already on its way.
   */
  take(): string | undefined;
  /** Ends the reply; call it once the webhook was answered, whatever happened. Idempotent. */
  close(): void;
}

interface Slot {
  verbs: BxmlVerb[] | undefined;
  sealed: boolean;
  /** Told once the reply is closed, i.e. sent. */
  closed: Array<() => void>;
}

interface Waiter {
  verbs: BxmlVerb[];
  resolve: (sent: boolean) => void;
}

/**
 * Open replies, per provider call id.
 *
 * While a reply is open and not yet taken, a request for its call replaces what the reply will
 * carry: requests for one call are sent one at a time in the order they were decided, and a later
 * document replaces an earlier one on Bandwidth's side anyway (a `PUT` after the reply would cut the
 * first), so the last decision wins without a REST request or a race. Two replies open for one call
 * (Bandwidth waits for one webhook per call at a time, so only a stale one overlaps) — the newest
 * gets the document.
 */
export class BxmlReplies {
  private readonly open_ = new Map<string, Slot[]>();
  private readonly waiters = new Map<string, Waiter[]>();

  open(providerCallId: string): BxmlReply {
    const slot: Slot = { verbs: undefined, sealed: false, closed: [] };
    const slots = this.open_.get(providerCallId) ?? [];
    slots.push(slot);
    this.open_.set(providerCallId, slots);
    const waiting = this.waiters.get(providerCallId)?.shift();
    if (waiting) {
      slot.verbs = waiting.verbs;
      slot.closed.push(() => waiting.resolve(true));
    }
    return {
      take: () => {
        slot.sealed = true;
        return slot.verbs === undefined ? undefined : renderBxml('Response', slot.verbs);
      },
      close: () => {
        slot.sealed = true;
        for (const told of slot.closed.splice(0)) told();
        const current = this.open_.get(providerCallId);
        if (current === undefined) return;
        const remaining = current.filter((candidate) => candidate !== slot);
        if (remaining.length === 0) this.open_.delete(providerCallId);
        else this.open_.set(providerCallId, remaining);
      },
    };
  }

  /** Puts `verbs` into the call's open reply; false when none is open (the caller then PUTs them). */
  fill(providerCallId: string, verbs: BxmlVerb[]): boolean {
    const slots = this.open_.get(providerCallId);
    const slot = slots?.findLast((candidate) => !candidate.sealed);
    if (slot === undefined) return false;
    slot.verbs = verbs;
    return true;
  }

  /**
   * Puts `verbs` into the call's next reply — the one open now, or else the next webhook of the
   * call — and resolves once that reply has gone out: true, or false when no webhook of the call
   * came within `timeoutMs`. For what v2 only accepts in a reply, such as answering a ringing call.
   */
  fillNext(providerCallId: string, verbs: BxmlVerb[], timeoutMs: number): Promise<boolean> {
    const slot = this.open_.get(providerCallId)?.findLast((candidate) => !candidate.sealed);
    if (slot) {
      slot.verbs = verbs;
      return new Promise((resolve) => slot.closed.push(() => resolve(true)));
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        verbs,
        resolve: (sent) => {
          clearTimeout(timer);
          resolve(sent);
        },
      };
      const timer = setTimeout(() => {
        const queue = this.waiters.get(providerCallId);
        const index = queue?.indexOf(waiter) ?? -1;
        if (index >= 0) queue!.splice(index, 1);
        if (queue?.length === 0) this.waiters.delete(providerCallId);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const queue = this.waiters.get(providerCallId) ?? [];
      queue.push(waiter);
      this.waiters.set(providerCallId, queue);
    });
  }

  /** Whether a reply is open and can still take a document. */
  isWaiting(providerCallId: string): boolean {
    return this.open_.get(providerCallId)?.some((slot) => !slot.sealed) ?? false;
  }
}
