import { afterEach, describe, expect, it } from '@jest/globals';
import type { CallRecord } from '../src/calls/call.js';
import type { CallChange } from '../src/calls/change-notifier.js';
import {
  connectRedisCallChangeBus,
  type RedisCallChangeBus,
} from '../src/change-bus/redis-change-bus.js';
import { linkToRedis, startRedisServer, type RedisServer, type RedisServerOptions } from './support/redis-server.js';
import { waitFor } from './support/wait-for.js';
import type { DomainLogger } from '../src/calls/domain-logger.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function redisServer(options?: RedisServerOptions): Promise<RedisServer> {
  const server = await startRedisServer(options);
  cleanups.push(() => server.stop());
  return server;
}

interface LogEntry {
  level: string;
  fields: object;
  message?: string;
}

/** A logger that keeps what it is given, to assert on warnings and on what never appears. */
function recordingLogger(): DomainLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void =>
      void entries.push({ level, fields, message });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The calls as the shared database holds them: every service instance reads the same ones. */
const database = new Map<string, CallRecord>();

interface Instance {
  bus: RedisCallChangeBus;
  logger: ReturnType<typeof recordingLogger>;
}

/** One service instance's bus, closed after the test. */
async function instance(url: string, prefix = 'test'): Promise<Instance> {
  const logger = recordingLogger();
  const bus = await connectRedisCallChangeBus({ url, prefix, logger, loadCall: async (id) => database.get(id) ?? null });
  cleanups.push(() => bus.close());
  return { bus, logger };
}

function aCall(id: string, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    providerCallId: `c-${id}`,
    direction: 'OUTBOUND',
    from: '+19195550100',
    to: '+19195550111',
    state: 'ACTIVE',
    endReason: null,
    hangupCause: null,
    callTimeoutSeconds: 30,
    createdAt: new Date('2024-05-01T10:00:00.000Z'),
    updatedAt: new Date('2024-05-01T10:00:05.250Z'),
    answeredAt: new Date('2024-05-01T10:00:04.000Z'),
    endedAt: null,
    lastSequence: 3,
    ...overrides,
  };
}

function changeOf(call: CallRecord): CallChange {
  return { callId: call.id, sequence: call.lastSequence, call };
}

/** A listener that remembers what rang it. */
class Ears {
  readonly heard: CallChange[] = [];
  readonly listener = (change: CallChange): void => void this.heard.push(change);

  async hear(what: string, predicate: (change: CallChange) => boolean = () => true): Promise<CallChange> {
    return waitFor(what, () => this.heard.find(predicate));
  }
}


afterEach(() => database.clear());

describe('the Redis call change bus', () => {
  it('carries a change from one instance to the listeners of that call and of every call on another, dates intact', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const b = await instance(redis.url);
    const onB = new Ears();
    const everyCallOnB = new Ears();
    const onA = new Ears();
    b.bus.subscribe('call-1', onB.listener);
    b.bus.subscribe(null, everyCallOnB.listener);
    a.bus.subscribe('call-1', onA.listener);

    const call = aCall('call-1', { endedAt: new Date('2024-05-01T10:01:00.000Z'), state: 'COMPLETED', endReason: 'HANGUP' });
    a.bus.publish(changeOf(call));

    const received = await onB.hear('the change on the other instance');
    expect(received).toEqual(changeOf(call));
    expect(received.call.createdAt).toBeInstanceOf(Date);
    expect(received.call.endedAt).toBeInstanceOf(Date);
    expect(received.call.endedAt!.getTime()).toBe(call.endedAt!.getTime());
    expect(await everyCallOnB.hear('the change on the every-call listener')).toEqual(changeOf(call));
    expect(await onA.hear('the change back on the publishing instance')).toEqual(changeOf(call));
  });

  it('does not ring the listeners of other calls, nor a listener that unsubscribed', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const b = await instance(redis.url);
    const otherCall = new Ears();
    const leaving = new Ears();
    const staying = new Ears();
    b.bus.subscribe('call-2', otherCall.listener);
    b.bus.subscribe('call-1', leaving.listener)();
    b.bus.subscribe('call-1', staying.listener);

    a.bus.publish(changeOf(aCall('call-1')));
    await staying.hear('the change for call-1');
    // One publisher's changes arrive in order, so once this one is heard the first would have been too.
    a.bus.publish(changeOf(aCall('call-2')));
    await otherCall.hear('the change for call-2');

    expect(otherCall.heard.map((change) => change.callId)).toEqual(['call-2']);
    expect(leaving.heard).toEqual([]);
  });

  it('keeps deployments with different prefixes apart on one Redis', async () => {
    const redis = await redisServer();
    const blue = await instance(redis.url, 'blue');
    const green = await instance(redis.url, 'green');
    const otherGreen = await instance(redis.url, 'green');
    const onBlue = new Ears();
    const onGreen = new Ears();
    blue.bus.subscribe(null, onBlue.listener);
    green.bus.subscribe(null, onGreen.listener);

    blue.bus.publish(changeOf(aCall('blue-call')));
    // Heard back by its own instance: Redis has handled the blue publish before the green one is sent.
    await onBlue.hear('the blue change on the blue instance');
    otherGreen.bus.publish(changeOf(aCall('green-call')));
    await onGreen.hear('the green change');

    expect(onGreen.heard.map((change) => change.callId)).toEqual(['green-call']);
    expect(onBlue.heard.map((change) => change.callId)).toEqual(['blue-call']);
  });

  it('does not throw when Redis is down, but logs a warning and still rings its own listeners', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const onA = new Ears();
    a.bus.subscribe('call-1', onA.listener);
    await redis.stop();

    expect(() => a.bus.publish(changeOf(aCall('call-1')))).not.toThrow();

    await onA.hear('the change rung locally');
    await waitFor('a warning', () =>
      a.logger.entries.find((entry) => entry.level === 'warn' && /could not publish/.test(entry.message ?? '')),
    );
  });

  it('rings every listener with the current state of its call once Redis is back, and carries changes again', async () => {
    const redis = await redisServer();
    const a = await instance(redis.url);
    const b = await instance(redis.url);
    const onB = new Ears();
    const everyCallOnB = new Ears();
    b.bus.subscribe('call-1', onB.listener);
    b.bus.subscribe(null, everyCallOnB.listener);
    database.set('call-1', aCall('call-1', { lastSequence: 3 }));

    await redis.stop();
    // Committed while Redis was down by an instance that could not ring anyone (it crashed, say).
    const ended = aCall('call-1', { state: 'COMPLETED', endReason: 'HANGUP', endedAt: new Date(), lastSequence: 7 });
    database.set('call-1', ended);
    await redis.restart();

    expect(await onB.hear('the ring after the restart')).toEqual(changeOf(ended));
    expect(await everyCallOnB.hear('the ring after the restart')).toEqual(changeOf(ended));

    await waitFor('the publishing instance to reconnect', () => a.bus.ping(), 10_000);
    const later = aCall('call-1', { lastSequence: 8 });
    a.bus.publish(changeOf(later));
    expect(await onB.hear('a change published after the restart', (change) => change.sequence === 8)).toEqual(changeOf(later));
  });

  it('publishes a change it could not publish once its link to Redis is back, for instances that never lost theirs', async () => {
    const redis = await redisServer();
    const link = await linkToRedis(redis.port);
    cleanups.push(() => link.close());
    const a = await instance(link.url);
    const b = await instance(redis.url);
    const everyCallOnB = new Ears();
    b.bus.subscribe(null, everyCallOnB.listener);

    link.cut();
    await waitFor('the instance to notice its link is down', async () => !(await a.bus.ping()), 10_000);
    const missed = aCall('call-9', { lastSequence: 5 });
    a.bus.publish(changeOf(missed));
    await waitFor('the failed publish', () => a.logger.entries.find((entry) => /could not publish/.test(entry.message ?? '')));
    link.mend();

    expect(await everyCallOnB.hear('the change once the link is back')).toEqual(changeOf(missed));
  });

  it('answers ping with true while Redis is up and false while it is down', async () => {
    const redis = await redisServer();
    const { bus } = await instance(redis.url);
    expect(await bus.ping()).toBe(true);

    await redis.stop();
    expect(await bus.ping()).toBe(false);

    await redis.restart();
    await waitFor('ping to be true again', () => bus.ping(), 10_000);
    await bus.close();
    expect(await bus.ping()).toBe(false);
  });

  it('closes promptly even while Redis is down', async () => {
    const redis = await redisServer();
    const { bus } = await instance(redis.url);
    await redis.stop();

    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(() => bus.publish(changeOf(aCall('call-1')))).not.toThrow();
  });

  it('fails to connect within its timeout with an error naming the Redis URL without its password', async () => {
    const redis = await redisServer();
    await redis.stop();
    const logger = recordingLogger();

    const connecting = connectRedisCallChangeBus({
      url: `redis://:hunter2@127.0.0.1:${redis.port}`,
      logger,
      loadCall: async () => null,
      connectTimeoutMs: 500,
    });

    const error = await connecting.then(
      () => null,
      (failure: Error) => failure,
    );
    expect(error?.message).toContain(`could not connect to Redis at redis://:***@127.0.0.1:${redis.port} within 500 ms`);
    expect(error?.message).not.toContain('hunter2');
    expect(JSON.stringify(logger.entries)).not.toContain('hunter2');
  });

  it('never logs the Redis password, through an outage or a wrong password', async () => {
    const password = 'correct-horse-battery';
    const redis = await redisServer({ password });
    const a = await instance(redis.url);
    const onA = new Ears();
    a.bus.subscribe('call-1', onA.listener);
    database.set('call-1', aCall('call-1'));

    await redis.stop();
    a.bus.publish(changeOf(aCall('call-1')));
    await redis.restart();
    await onA.hear('the ring after the restart', (change) => onA.heard.indexOf(change) > 0);

    const wrong = recordingLogger();
    const refused = await connectRedisCallChangeBus({
      url: `redis://:not-${password}@127.0.0.1:${redis.port}`,
      logger: wrong,
      loadCall: async () => null,
      connectTimeoutMs: 500,
    }).then(
      () => null,
      (failure: Error) => failure,
    );

    expect(refused?.message).toMatch(/could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ within 500 ms: WRONGPASS/);
    expect(a.logger.entries.some((entry) => entry.level === 'warn')).toBe(true);
    for (const logged of [JSON.stringify(a.logger.entries), JSON.stringify(wrong.entries), refused?.message]) {
      expect(logged).not.toContain(password);
    }
  });
});
