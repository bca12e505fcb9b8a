import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { CallStore, CallStoreTransaction } from '../src/calls/call-store.js';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import type { TransactionObserver } from '../src/store/transaction-observer.js';
import { TEST_DATABASE_URL, freshTestSchema } from './support/backend.js';
import { T0, callRecord } from './support/call-records.js';
import { disposeAll, onDispose, tempDir } from './support/test-service.js';

afterEach(disposeAll);

/**
 * Transactions that arrive together are committed together: on SQLite one after the other in one
 * database transaction (savepoints), on PostgreSQL at once in one database transaction whose
 * statements they share. Either way each must behave as if it ran alone.
 */
const STORES: Array<[string, (observer: TransactionObserver) => Promise<{ store: CallStore; schema?: string }>]> = [
  ['SQLite', async (observer) => ({ store: await openSqliteStore(join(tempDir(), 'calls.sqlite'), { observer }) })],
  [
    'PostgreSQL',
    async (observer) => {
      const schema = freshTestSchema();
      return { store: await openPostgresStore({ url: TEST_DATABASE_URL, schema, observer }), schema };
    },
  ],
];

/** What a store told its observer: the size of each commit, and the transactions it ran again alone. */
function recordingObserver() {
  const seen = { commits: [] as number[], rerunAlone: 0 };
  const observer: TransactionObserver = {
    committed: (size) => seen.commits.push(size),
    rerunAlone: (size) => (seen.rerunAlone += size),
  };
  return { seen, observer };
}


const unmatched = (n: number) => ({
  receivedAt: new Date(),
  providerCallId: `c-group-${n}`,
  eventType: 'dtmf',
  reason: 'test',
  payload: { n },
});


/** What an event's transaction does to its call: lock it, check for a redelivery, read its queue, log the event, ask for a request. */
async function logEvent(tx: CallStoreTransaction, callId: string, dedupeKey: string) {
  const locked = await tx.lockCall(callId);
  if (!locked) throw new Error(`no call ${callId}`);
  if (await tx.countRedelivery(callId, dedupeKey)) return { duplicate: true, callId };
  const playbacks = await tx.listPlaybacks(callId);
  const sequence = locked.lastSequence + 1;
  await tx.updateCall({ ...locked, lastSequence: sequence });
  await tx.insertEvent({
    callId,
    sequence,
    type: 'playback',
    source: 'BANDWIDTH',
    occurredAt: T0,
    receivedAt: T0,
    payload: { dedupeKey },
    applied: true,
    deliveries: 1,
    dedupeKey,
  });
  const item = await tx.insertOutbox({ kind: 'hangup', callId, providerCallId: `c-${callId}` }, T0, { by: 'test', until: T0 }, T0);
  return { duplicate: false, callId, sequence, playbacks: playbacks.map((p) => p.id), outbox: item };
}

/** How many database transactions wrote the events of a schema: rows written by one carry its id (`xmin`). */
async function databaseTransactionsOfEvents(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ transactions: string }>(`select count(distinct xmin::text) as transactions from "${schema}".call_events`);
    return Number(rows[0]!.transactions);
  } finally {
    await client.end();
  }
}

for (const [name, open] of STORES) {
  describe(`group commit on ${name}`, () => {
    const openStore = async () => {
      const { seen, observer } = recordingObserver();
      const opened = await open(observer);
      onDispose(() => opened.store.close());
      return { ...opened, seen };
    };

    it('commits transactions that arrive together, each with its own result', async () => {
      const { store } = await openStore();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          store.transaction(async (tx) => {
            await tx.recordUnmatchedEvent(unmatched(n));
            return n * 10;
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n * 10));
      const stored = (await store.listUnmatchedEvents(100)).map((event) => event.payload.n as number);
      if (name === 'SQLite') {
        // Newest first: one after the other, the order they were written in is the order they were asked for.
        expect(stored).toEqual(Array.from({ length: 20 }, (_, n) => 19 - n));
      } else {
        // At once: concurrent transactions have no order among themselves.
        expect(stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      }
    });

    it('rolls back only the transaction that failed; the others of its batch commit', async () => {
      const { store } = await openStore();
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

    it('rolls back only the transaction that failed after its writes reached the database', async () => {
      const { store } = await openStore();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, n) =>
          store.transaction(async (tx) => {
            await tx.recordUnmatchedEvent(unmatched(n));
            // A read sends the writes held back before it, so it sees them.
            await tx.findIdempotencyKey('token:a', 'createCall', `key-${n}`);
            if (n % 4 === 1) throw new Error(`work ${n} failed after its writes were sent`);
            return n;
          }),
        ),
      );
      expect(outcomes.map((outcome) => outcome.status)).toEqual(
        Array.from({ length: 10 }, (_, n) => (n % 4 === 1 ? 'rejected' : 'fulfilled')),
      );
      const stored = (await store.listUnmatchedEvents(100)).map((event) => event.payload.n).sort();
      expect(stored).toEqual([0, 2, 3, 4, 6, 7, 8]);
    });

    it('tells its observer how many transactions each commit carried', async () => {
      const { store, seen } = await openStore();
      await Promise.all(Array.from({ length: 20 }, (_, n) => store.transaction((tx) => tx.recordUnmatchedEvent(unmatched(n)))));

      expect(seen.commits.reduce((sum, size) => sum + size, 0)).toBe(20);
      expect(Math.max(...seen.commits)).toBeGreaterThan(1);
      expect(seen.rerunAlone).toBe(0);
    });

    it('keeps a unique key taken by an earlier transaction of the same batch, and refuses the later one', async () => {
      const { store, seen } = await openStore();
      const now = new Date();
      const claim = (resultId: string) =>
        store.transaction((tx) => tx.insertIdempotencyKey('token:a', 'createCall', 'key-1', { requestHash: 'h', resultId }, now));
      const [first, second] = await Promise.allSettled([claim('call_first'), claim('call_second')]);
      expect(first.status).toBe('fulfilled');
      expect(second.status).toBe('rejected');
      expect(store.isConflict((second as PromiseRejectedResult).reason)).toBe(true);
      const kept = await store.transaction((tx) => tx.findIdempotencyKey('token:a', 'createCall', 'key-1'));
      expect(kept?.resultId).toBe('call_first');
      // SQLite rolls back the later one's savepoint; PostgreSQL's batch fails at its writes, and both run again alone.
      expect(seen.rerunAlone).toBe(name === 'SQLite' ? 0 : 2);
    });

    it('gives each transaction of a batch its own call, redelivery check, queue and outbox entry', async () => {
      const { store } = await openStore();
      const ids = Array.from({ length: 24 }, (_, n) => `call_${n}`);
      await store.transaction(async (tx) => {
        for (const [n, id] of ids.entries()) {
          await tx.insertCall(callRecord(id, { lastSequence: n % 3 }));
          await tx.insertPlayback({
            id: `pb_${n}`,
            callId: id,
            position: 0,
            fileUrl: `https://audio.example/${n}.mp3`,
            loop: false,
            status: 'QUEUED',
            error: null,
            queuedAt: T0,
            startedAt: null,
            endedAt: null,
          });
          if (n % 3 > 0) await tx.insertEvent({ callId: id, sequence: n % 3, type: 'answer', source: 'BANDWIDTH', occurredAt: T0, receivedAt: T0, payload: {}, applied: true, deliveries: 1, dedupeKey: `seen-${n}` });
        }
      });

      // Every fourth event is a redelivery of one the call already has.
      const results = await Promise.all(ids.map((id, n) => store.transaction((tx) => logEvent(tx, id, n % 4 === 0 && n % 3 > 0 ? `seen-${n}` : `new-${n}`))));

      for (const [n, result] of results.entries()) {
        expect(result.callId).toBe(ids[n]);
        if (n % 4 === 0 && n % 3 > 0) {
          expect(result.duplicate).toBe(true);
          continue;
        }
        expect(result).toMatchObject({ duplicate: false, sequence: (n % 3) + 1, playbacks: [`pb_${n}`] });
        expect(result.outbox).toMatchObject({ effect: { callId: ids[n] } });
        expect((await store.getCall(ids[n]!))!.lastSequence).toBe((n % 3) + 1);
      }
      const outboxIds = results.flatMap((result) => (result.duplicate ? [] : [result.outbox!.id]));
      expect(new Set(outboxIds).size).toBe(outboxIds.length);
    });

    it('applies transactions on one call that arrive together one after the other, each seeing the one before', async () => {
      const { store, schema } = await openStore();
      const others = Array.from({ length: 12 }, (_, n) => `call_${n}`);
      await store.transaction(async (tx) => {
        for (const id of ['call_busy', ...others]) await tx.insertCall(callRecord(id));
      });
      const results = await Promise.all([
        ...Array.from({ length: 12 }, (_, n) => store.transaction((tx) => logEvent(tx, 'call_busy', `event-${n}`))),
        ...others.map((id) => store.transaction((tx) => logEvent(tx, id, 'event'))),
      ]);

      expect(results.slice(0, 12).map((result) => result.sequence).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
      expect((await store.listEvents('call_busy', 0, 100)).map((event) => event.sequence)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
      expect((await store.getCall('call_busy'))!.lastSequence).toBe(12);
      for (const id of others) expect((await store.getCall(id))!.lastSequence).toBe(1);
      if (schema) {
        // The batch went ahead without the busy call's later events (they ran in later batches), not each on its own.
        expect(await databaseTransactionsOfEvents(schema)).toBeLessThan(24);
      }
    });

    if (name === 'PostgreSQL') {
      it('commits transactions that arrive together in shared database transactions', async () => {
        const { store, schema } = await openStore();
        const ids = Array.from({ length: 40 }, (_, n) => `call_${n}`);
        await store.transaction(async (tx) => {
          for (const id of ids) await tx.insertCall(callRecord(id));
        });
        await Promise.all(ids.map((id, n) => store.transaction((tx) => logEvent(tx, id, `new-${n}`))));

        expect((await store.listEvents('call_0', 0, 10)).length + (await store.listEvents('call_39', 0, 10)).length).toBe(2);
        expect(await databaseTransactionsOfEvents(schema!)).toBeLessThan(40);
      });
    }
  });
}
