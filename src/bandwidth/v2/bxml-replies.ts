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

  open(providerCallId: string): BxmlReply {
    const slot: Slot = { verbs: undefined, sealed: false };
    const slots = this.open_.get(providerCallId) ?? [];
    slots.push(slot);
    this.open_.set(providerCallId, slots);
    return {
      take: () => {
        slot.sealed = true;
        return slot.verbs === undefined ? undefined : renderBxml('Response', slot.verbs);
      },
      close: () => {
        slot.sealed = true;
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

  /** Whether a reply is open and can still take a document. */
  isWaiting(providerCallId: string): boolean {
    return this.open_.get(providerCallId)?.some((slot) => !slot.sealed) ?? false;
  }
}
