import { createHash } from 'node:crypto';
import { CallError, CallErrorCode } from './call-errors.js';
import type { CallStoreTransaction } from './call-store.js';

/** Who asks, so that one client's idempotency keys never collide with another's. */
export interface Caller {
  id: string;
}

export const ANONYMOUS: Caller = { id: 'anonymous' };

/**
 * A client's idempotency key for one operation, checked and recorded inside the transaction that
 * does the work, so two retries racing each other cannot both do it.
 */
export class IdempotencyKey {
  private readonly requestHash: string;

  constructor(
    private readonly caller: Caller,
    private readonly operation: string,
    readonly key: string,
    request: object,
  ) {
    this.requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  }

  /**
   * What this key produced when it was used before, if it was. The same key with a different
   * request is refused rather than guessed at.
   */
  async earlierResult(tx: CallStoreTransaction): Promise<string | undefined> {
    const existing = await tx.findIdempotencyKey(this.caller.id, this.operation, this.key);
    if (!existing) return undefined;
    if (existing.requestHash !== this.requestHash) {
      throw new CallError(
        CallErrorCode.IDEMPOTENCY_KEY_REUSED,
        `idempotencyKey ${this.key} was already used for a different ${this.operation} request`,
        { idempotencyKey: this.key },
      );
    }
    return existing.resultId;
  }

  async remember(tx: CallStoreTransaction, resultId: string, now: Date): Promise<void> {
    await tx.insertIdempotencyKey(this.caller.id, this.operation, this.key, { requestHash: this.requestHash, resultId }, now);
  }
}
