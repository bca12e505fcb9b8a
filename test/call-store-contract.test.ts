import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CallStore, NewCallEvent } from '../src/calls/call-store.js';
import type { Effect } from '../src/calls/outbox.js';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { TEST_DATABASE_URL, freshTestSchema } from './support/backend.js';
import { InMemoryCallStore } from './support/in-memory-call-store.js';
import { T0, callRecord } from './support/call-records.js';
import { disposeAll, onDispose, tempDir } from './support/test-service.js';

/**
 * What every `CallStore` promises, proved on each: the SQL stores the service runs on, and the
 * in-memory double the domain tests stand on (which proves nothing if it keeps another contract).
 */
const STORES: Array<[string, () => Promise<CallStore>]> = [
  ['the in-memory store', async () => new InMemoryCallStore()],
  ['the SQLite store', () => openSqliteStore(join(tempDir(), 'calls.sqlite'))],
  ['the PostgreSQL store', () => openPostgresStore({ url: TEST_DATABASE_URL, schema: freshTestSchema() })],
];

afterEach(disposeAll);

const at = (ms: number): Date => new Date(T0.getTime() + ms);


function event(callId: string, sequence: number, dedupeKey?: string): NewCallEvent {
  return {
    callId,
    sequence,
    type: 'answer',
    source: 'BANDWIDTH',
    occurredAt: T0,
    receivedAt: T0,
    payload: { n: sequence },
    applied: true,
    deliveries: 1,
    dedupeKey,
  };
}

const hangup = (callId: string): Effect => ({ kind: 'hangup', callId, providerCallId: 'c-1' });
const lease = (by: string, untilMs: number) => ({ by, until: at(untilMs) });

for (const [name, open] of STORES) {
  describe(name, () => {
    const openStore = async (): Promise<CallStore> => {
      const store = await open();
      onDispose(() => store.close());
      return store;
    };
    it('keeps nothing of a transaction that throws', async () => {
      const store = await openStore();
      const failed = store.transaction(async (tx) => {
        await tx.insertCall(callRecord('call_a'));
        await tx.insertOutbox(hangup('call_a'), T0, lease('a', 1000), T0);
        throw new Error('changed my mind');
      });

      await expect(failed).rejects.toThrow('changed my mind');
      expect(await store.getCall('call_a')).toBeNull();
      expect(await store.countLiveWork()).toEqual({ callsByState: {}, queuedPlaybacks: 0, pendingRequests: 0 });
    });

    it('refuses a repeated sequence, dedupe key or provider call id as a conflict', async () => {
      const store = await openStore();
      await store.transaction(async (tx) => {
        await tx.insertCall(callRecord('call_a', { providerCallId: 'c-1' }));
        await tx.insertEvent(event('call_a', 1, 'answer-1'));
      });
      const attempts = [
        store.transaction((tx) => tx.insertEvent(event('call_a', 1))),
        store.transaction((tx) => tx.insertEvent(event('call_a', 2, 'answer-1'))),
        store.transaction((tx) => tx.insertCall(callRecord('call_b', { providerCallId: 'c-1' }))),
      ];

      for (const attempt of attempts) {
        const error = await attempt.catch((e: unknown) => e);
        expect(store.isConflict(error)).toBe(true);
      }
      expect(await store.listEvents('call_a', 0, 10)).toHaveLength(1);
    });

    it('hands out copies: changing a record it returned changes nothing stored', async () => {
      const store = await openStore();
      const mine = callRecord('call_a');
      await store.transaction((tx) => tx.insertCall(mine));
      mine.state = 'FAILED';
      const read = (await store.getCall('call_a'))!;
      read.state = 'COMPLETED';
      read.createdAt.setTime(0);

      expect(await store.getCall('call_a')).toEqual(callRecord('call_a'));
    });

    it('leases outbox entries to nobody else until the lease runs out, and lets their holder take them back', async () => {
      const store = await openStore();
      const item = await store.transaction(async (tx) => {
        await tx.insertCall(callRecord('call_a'));
        return tx.insertOutbox(hangup('call_a'), T0, lease('a', 1000), T0);
      });

      expect(await store.claimOutbox(lease('b', 2000), at(500), 10)).toEqual([]);
      expect(await store.claimOutbox(lease('a', 2000), at(500), 10)).toEqual([item]);
      expect(await store.claimOutbox(lease('b', 3000), at(2001), 10)).toEqual([item]);
      expect(await store.transaction((tx) => tx.startOutboxAttempt(item.id, lease('a', 4000), at(2500)))).toBe(false);
      expect(await store.transaction((tx) => tx.startOutboxAttempt(item.id, lease('b', 4000), at(2500)))).toBe(true);
      expect(await store.claimOutbox(lease('b', 5000), at(2600), 10, item.id)).toEqual([]);

      await store.transaction((tx) => tx.finishOutbox(item.id, 'done', null, at(2700)));
      expect(await store.transaction((tx) => tx.startOutboxAttempt(item.id, lease('b', 5000), at(2800)))).toBe(false);
      expect(await store.claimOutbox(lease('b', 9000), at(9999), 10)).toEqual([]);
      expect(await store.transaction((tx) => tx.findPendingOutbox('call_a', 'hangup'))).toEqual([]);
      expect((await store.countLiveWork()).pendingRequests).toBe(0);
    });

    it('lists the calls that have not ended and stayed silent, the longest silent first', async () => {
      const store = await openStore();
      await store.transaction(async (tx) => {
        await tx.insertCall(callRecord('call_recent', { updatedAt: at(5000) }));
        await tx.insertCall(callRecord('call_old', { updatedAt: at(1000) }));
        await tx.insertCall(callRecord('call_older', { updatedAt: at(500), state: 'ACTIVE' }));
        await tx.insertCall(callRecord('call_ended', { updatedAt: at(100), state: 'COMPLETED' }));
      });

      expect((await store.listSilentCalls(at(2000), 10)).map((c) => c.id)).toEqual(['call_older', 'call_old']);
      expect((await store.countLiveWork()).callsByState).toEqual({ RINGING: 2, ACTIVE: 1 });
    });

    it('answers an idempotency key for its scope and operation only, until it is forgotten', async () => {
      const store = await openStore();
      const record = { requestHash: 'h', resultId: 'call_a' };
      await store.transaction((tx) => tx.insertIdempotencyKey('token:a', 'createCall', 'k', record, T0));
      const find = (scope: string, operation: string) => store.transaction((tx) => tx.findIdempotencyKey(scope, operation, 'k'));

      expect(await find('token:a', 'createCall')).toEqual(record);
      expect(await find('token:b', 'createCall')).toBeNull();
      expect(await find('token:a', 'playAudio')).toBeNull();
      expect(await store.deleteIdempotencyKeys(at(1))).toBe(1);
      expect(await find('token:a', 'createCall')).toBeNull();
    });
  });
}
