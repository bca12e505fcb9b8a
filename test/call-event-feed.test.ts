import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from '@jest/globals';
import type { CallEventRecord } from '../src/calls/call.js';
import type { CallStore } from '../src/calls/call-store.js';
import { CallEventFeeds, type CallEventFeedsOptions } from '../src/graphql/call-event-feed.js';
import { CALL_EVENTS } from './support/documents.js';
import { Subscription, disposeAll, onDispose, startTestService, waitFor, type TestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const USER = 'bandwidth';
const PASSWORD = 'feed-test-password';
const AUTHORIZATION = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** The service, with one inbound call whose log the test grows one event per webhook. */
async function serviceWithCall(): Promise<{ service: TestService; callId: string; addEvents(count: number): Promise<void> }> {
  const service = await startTestService({ WEBHOOK_USERNAME: USER, WEBHOOK_PASSWORD: PASSWORD });
  const bandwidthCallId = `c-feed-${randomBytes(6).toString('hex')}`;
  const post = async (event: Record<string, unknown>): Promise<{ callId: string; sequence: number }> => {
    const response = await fetch(`${service.url}/webhooks/bandwidth`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ callId: bandwidthCallId, time: new Date().toISOString(), ...event }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { callId: string; sequence: number };
  };
  const { callId } = await post({ eventType: 'incomingcall', from: '+13233326955', to: '+19195550100' });
  let digits = 0;
  return {
    service,
    callId,
    // A key press is recorded and changes nothing else: one more event in the log each.
    addEvents: async (count) => {
      for (let i = 0; i < count; i += 1) await post({ eventType: 'dtmf', dtmfDigit: String(digits++ % 10) });
    },
  };
}

/** The service's store, counting the log reads made through it and those still under way. */
function countingReads(store: CallStore): { store: CallStore; reads: () => number; inFlight: () => number } {
  let reads = 0;
  let inFlight = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'listEvents') {
        return (...args: Parameters<CallStore['listEvents']>) => {
          reads += 1;
          inFlight += 1;
          return target.listEvents(...args).finally(() => (inFlight -= 1));
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads, inFlight: () => inFlight };
}

/** Drains a feed's stream into `items` as fast as it delivers, until the test ends. */
function consume(stream: AsyncIterableIterator<CallEventRecord>): { items: number[]; until(sequence: number): Promise<void> } {
  const items: number[] = [];
  const waiters: Array<() => void> = [];
  void (async () => {
    for await (const event of stream) {
      items.push(event.sequence);
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  onDispose(async () => void (await stream.return?.()));
  return {
    items,
    until: (sequence) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sequence ${sequence} never came; got ${items.join(',')}`)), 10_000);
        const check = (): void => {
          if ((items.at(-1) ?? 0) >= sequence) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

function feedsOf(service: TestService, options?: CallEventFeedsOptions) {
  const counting = countingReads(service.server.store);
  return { feeds: new CallEventFeeds(counting.store, service.server.bus, options), reads: counting.reads, inFlight: counting.inFlight };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

forEachSetup('callEvents feeds', ABOVE_BANDWIDTH, () => {
  it('hands every subscriber each event once, in order, reading the log once per event however many subscribe', async () => {
    const { service, callId, addEvents } = await serviceWithCall();
    const { feeds, reads, inFlight } = feedsOf(service);
    const subscribers = Array.from({ length: 25 }, () => consume(feeds.stream(callId, 0)));
    await Promise.all(subscribers.map((s) => s.until(1)));
    // Joining the feed costs the joiners one shared read more; let it finish before counting.
    await waitFor('the joiners’ read to finish', () => inFlight() === 0);

    const readsBefore = reads();
    await addEvents(10);
    await Promise.all(subscribers.map((s) => s.until(11)));

    for (const subscriber of subscribers) expect(subscriber.items).toEqual(range(1, 11));
    // One read per subscriber per event would be 250; the feed makes at most one per event
    // (none on the in-process bus, whose rings carry the committed events).
    expect(reads() - readsBefore).toBeLessThanOrEqual(10);
  });

  it('replays from any afterSequence while events are being committed, with no gap and no duplicate', async () => {
    const { service, callId, addEvents } = await serviceWithCall();
    await addEvents(5);
    const { feeds } = feedsOf(service, { pageSize: 2 });
    const writing = addEvents(30);
    const subscribers: Array<{ after: number; stream: ReturnType<typeof consume> }> = [];
    for (const after of [0, 1, 4, 6, 9, 15, 22]) {
      subscribers.push({ after, stream: consume(feeds.stream(callId, after)) });
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await writing;
    await Promise.all(subscribers.map(({ stream }) => stream.until(36)));
    for (const { after, stream } of subscribers) expect(stream.items).toEqual(range(after + 1, 36));
  });

  it('takes a subscriber too slow for the feed off it, and that subscriber catches up from the log losing nothing', async () => {
    const { service, callId, addEvents } = await serviceWithCall();
    const { feeds } = feedsOf(service, { pageSize: 2, maxQueued: 3 });
    const fast = consume(feeds.stream(callId, 0));
    const slow = feeds.stream(callId, 0);
    onDispose(async () => void (await slow.return?.()));
    expect((await slow.next()).value?.sequence).toBe(1);

    // The slow one reads nothing while twelve events go by; the fast one is not held back.
    await addEvents(12);
    await fast.until(13);
    const rest: number[] = [];
    while (rest.length < 12) rest.push((await slow.next()).value!.sequence);
    expect(rest).toEqual(range(2, 13));

    // Caught up, it is back on the feed and gets the next event like the others.
    await addEvents(1);
    expect((await slow.next()).value?.sequence).toBe(14);
    await fast.until(14);
    expect(fast.items).toEqual(range(1, 14));
  });

  it('serves a subscriber resuming past the end of the log and one starting from the beginning side by side', async () => {
    const { service, callId, addEvents } = await serviceWithCall();
    await addEvents(3);
    const { feeds, reads } = feedsOf(service, { pageSize: 2 });
    const ahead = consume(feeds.stream(callId, 6));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fromStart = consume(feeds.stream(callId, 0));
    await fromStart.until(4);
    // Caught up, it waits for the next event instead of reading the log again and again.
    const readsWhenCaughtUp = reads();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads() - readsWhenCaughtUp).toBeLessThanOrEqual(2);
    await addEvents(4);
    await fromStart.until(8);
    await ahead.until(8);
    expect(fromStart.items).toEqual(range(1, 8));
    expect(ahead.items).toEqual([7, 8]);
  });

  it('forgets a call once its last subscriber has gone', async () => {
    const { service, callId } = await serviceWithCall();
    const { feeds } = feedsOf(service);
    const first = feeds.stream(callId, 0);
    const second = feeds.stream(callId, 0);
    await first.next();
    expect(feeds.subscriberCounts().get(callId)).toBe(2);
    await first.return!();
    expect(feeds.subscriberCounts().get(callId)).toBe(1);
    await second.return!();
    expect(feeds.subscriberCounts().has(callId)).toBe(false);
    expect(await second.next()).toEqual({ value: undefined, done: true });
  });

  it('serves many graphql-ws subscribers of one call the whole log, in order', async () => {
    const { service, callId, addEvents } = await serviceWithCall();
    const subscriptions = Array.from({ length: 30 }, () => new Subscription<{ callEvents: { sequence: number } }>(service.ws(), CALL_EVENTS, { callId }));
    await Promise.all(subscriptions.map((s) => s.waitFor('the first event', (item) => item.callEvents.sequence === 1)));
    await addEvents(8);
    for (const subscription of subscriptions) {
      await subscription.waitFor('the last event', (item) => item.callEvents.sequence === 9);
      expect(subscription.items.map((item) => item.callEvents.sequence)).toEqual(range(1, 9));
    }
  });
});
