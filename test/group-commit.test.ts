import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CallStore } from '../src/calls/call-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { disposeAll, onDispose, tempDir } from './support/test-service.js';

afterEach(disposeAll);

async function sqliteStore(): Promise<CallStore> {
  const store = await openSqliteStore(join(tempDir(), 'calls.sqlite'));
  onDispose(() => store.close());
  return store;
}

const unmatched = (n: number) => ({
  receivedAt: new Date(),
  providerCallId: `c-group-${n}`,
  eventType: 'dtmf',
  reason: 'test',
  payload: { n },
});

describe('SQLite group commit', () => {
  it('commits transactions that arrive together, each with its own result, in the order they came', async () => {
    const store = await sqliteStore();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        store.transaction(async (tx) => {
          await tx.recordUnmatchedEvent(unmatched(n));
          return n * 10;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n * 10));
    const stored = await store.listUnmatchedEvents(100);
    // Newest first: the order they were written in is the order they were asked for.
    expect(stored.map((event) => event.payload.n)).toEqual(Array.from({ length: 20 }, (_, n) => 19 - n));
  });

  it('rolls back only the transaction that failed; the others of its batch commit', async () => {
    const store = await sqliteStore();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) =>
        store.transaction(async (tx) => {
          await tx.recordUnmatchedEvent(unmatched(n));
          if (n % 3 === 0) throw new Error(`work ${n} failed after writing`);
          return n;
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      Array.from({ length: 10 }, (_, n) => (n % 3 === 0 ? 'rejected' : 'fulfilled')),
    );
    expect((outcomes[3] as PromiseRejectedResult).reason).toEqual(new Error('work 3 failed after writing'));
    const stored = (await store.listUnmatchedEvents(100)).map((event) => event.payload.n).sort();
    expect(stored).toEqual([1, 2, 4, 5, 7, 8]);
  });

  it('keeps a unique key taken by an earlier transaction of the same batch, and refuses the later one', async () => {
    const store = await sqliteStore();
    const now = new Date();
    const claim = (resultId: string) =>
      store.transaction((tx) => tx.insertIdempotencyKey('token:a', 'createCall', 'key-1', { requestHash: 'h', resultId }, now));
    const [first, second] = await Promise.allSettled([claim('call_first'), claim('call_second')]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    expect(store.isConflict((second as PromiseRejectedResult).reason)).toBe(true);
    const kept = await store.transaction((tx) => tx.findIdempotencyKey('token:a', 'createCall', 'key-1'));
    expect(kept?.resultId).toBe('call_first');
  });
});
