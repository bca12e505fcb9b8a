import { afterEach, describe, expect, it } from '@jest/globals';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { storageEnv } from './support/backend.js';
import {
  CALL_EVENTS,
  CALL_UPDATED,
  CREATE_CALL,
  FROM,
  GET_CALL,
  HANG_UP,
  PLAY_AUDIO,
  file,
  type CallEventView,
  type CallView,
} from './support/documents.js';
import { onV1Only } from './support/on-v1-only.js';
import { END_EVENT, isFileStart, webhooksOfCall } from './support/bandwidth-api.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.js';
import { spawnService, type ServiceProcess } from './support/service-process.js';
import {
  API_TOKEN,
  WEBHOOK_PASSWORD,
  WEBHOOK_USERNAME,
  audioRequests,
  filesRequested,
  standaloneBandwidth,
  type StandaloneBandwidth,
} from './support/standalone-bandwidth.js';
import { freePort } from './support/free-port.js';
import {
  Subscription,
  disposeAll,
  onDispose,
  postGraphQL,
  waitFor,
  type Env,
  type GraphQLResponse,
} from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

/**
 * Several instances of the service as one deployment: separate processes sharing one PostgreSQL
 * schema and one Redis, behind a round-robin load balancer that Bandwidth (the standalone
 * simulator) sends its webhooks through, so consecutive events of one call land on different
 * instances. Several instances need PostgreSQL and Redis, so the suite runs on that backend only.
 */

afterEach(disposeAll);

/** A far end that rings until the test answers it through the simulator's control API. */
const RINGS = '+19195550778';
/** Answers after the simulator's (short) answer delay. */
const ANSWERS = '+19195550123';
const WEBHOOK_AUTHORIZATION = `Basic ${Buffer.from(`${WEBHOOK_USERNAME}:${WEBHOOK_PASSWORD}`).toString('base64')}`;

interface Instance {
  /** Its INSTANCE_ID, which is also what it writes into outbox leases. */
  id: string;
  url: string;
  process: ServiceProcess;
}

interface Deployment {
  bandwidth: StandaloneBandwidth;
  proxy: RoundRobinProxy;
  instances: Instance[];
  /** The storage every instance shares. */
  storage: Env;
}

/** A PostgreSQL schema and Redis prefix of the test's own (the schema is dropped when the run ends). */
function sharedStorage(redisUrl?: string): Env {
  return { ...storageEnv(), ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
}

/**
 * Starts the simulator, the balancer and `count` instances (started together, as a rollout
 * would) on fresh shared storage. Every instance tells Bandwidth the balancer's URL.
 */
async function deploy(options: { count?: number; redisUrl?: string; env?: Env } = {}): Promise<Deployment> {
  const count = options.count ?? 2;
  const bandwidth = await standaloneBandwidth();
  const storage = sharedStorage(options.redisUrl);
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await freePort());
  const proxy = await startRoundRobinProxy(ports.map((port) => `http://127.0.0.1:${port}`));
  onDispose(() => proxy.close());
  const instances = await Promise.all(
    ports.map(async (port, i): Promise<Instance> => {
      const id = `instance-${String.fromCharCode(97 + i)}`;
      const child = await spawnService({
        ...bandwidth.env,
        ...storage,
        PORT: String(port),
        INSTANCE_ID: id,
        PUBLIC_URL: proxy.url,
        ...options.env,
      });
      return { id, url: child.url, process: child };
    }),
  );
  return { bandwidth, proxy, instances, storage };
}

function gql<T = any>(instance: Instance, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  return postGraphQL<T>(instance.url, query, variables, API_TOKEN);
}

async function getCall(instance: Instance, id: string): Promise<CallView> {
  const { data, errors } = await gql<{ call: CallView }>(instance, GET_CALL, { id });
  if (!data?.call) throw new Error(`no call ${id} on ${instance.id}: ${JSON.stringify(errors)}`);
  return data.call;
}

async function createCall(instance: Instance, to: string, audio: string[] = []): Promise<CallView> {
  const { data, errors } = await gql<{ createCall: CallView }>(instance, CREATE_CALL, {
    input: { from: FROM, to, audio: audio.map((fileUrl) => ({ fileUrl })) },
  });
  if (!data?.createCall) throw new Error(`createCall on ${instance.id} failed: ${JSON.stringify(errors)}`);
  return data.createCall;
}

/** A graphql-ws client connected straight to one instance (the balancer does no WebSocket). */
function wsClient(instance: Instance): Client {
  const client = createClient({
    url: `${instance.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${API_TOKEN}` },
    retryAttempts: 0,
    lazy: true,
  });
  onDispose(async () => client.dispose());
  return client;
}

function watchEvents(instance: Instance, callId: string): Subscription<{ callEvents: CallEventView }> {
  return new Subscription(wsClient(instance), CALL_EVENTS, { callId });
}

function watchCall(instance: Instance, callId: string): Subscription<{ callUpdated: CallView }> {
  return new Subscription(wsClient(instance), CALL_UPDATED, { callId });
}

/** Waits until a `callEvents` subscriber has received up to `last`, then returns what it got. */
async function eventsUpTo(
  subscription: Subscription<{ callEvents: CallEventView }>,
  last: number,
  what: string,
): Promise<CallEventView[]> {
  await subscription.waitFor(`${what} to receive event ${last}`, (item) => item.callEvents.sequence >= last, 10_000);
  return subscription.items.map((item) => item.callEvents);
}

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** What a log looks like for comparing two views of it. */
const entries = (events: Array<Pick<CallEventView, 'sequence' | 'type'>>): string[] => events.map((e) => `${e.sequence} ${e.type}`);

/**
 * Waits until the call has ended and both the API's and Bandwidth's word on the hangup are logged:
 * after those nothing more happens to it. Its log is then complete (`events`, not `lastSequence`,
 * which the API reads separately and so may lag the log returned with it).
 */
async function waitUntilHungUp(instance: Instance, callId: string): Promise<CallView> {
  return waitFor(
    'the call to end with both hangup records logged',
    async () => {
      const call = await getCall(instance, callId);
      const types = new Set(call.events!.map((e) => e.type));
      return call.state === 'COMPLETED' && types.has(END_EVENT) && types.has('call.hung_up') ? call : undefined;
    },
    10_000,
  );
}

forEachSetup('several instances behind one load balancer, sharing PostgreSQL and Redis', { backends: ['postgres'] }, () => {
  it('shows every subscriber, on either instance, every event of its call in order while webhooks alternate between instances', async () => {
    const { bandwidth, proxy, instances } = await deploy();
    const [a, b] = instances as [Instance, Instance];
    await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(RINGS)}`, { outcome: 'answer', afterMs: 600_000 });

    // Created on B; everything after it is asked of A.
    const created = await createCall(b, RINGS, [file('one', 150)]);
    expect(created.state).toBe('RINGING');
    const eventsOnA = watchEvents(a, created.id);
    const eventsOnB = watchEvents(b, created.id);
    const callOnA = watchCall(a, created.id);
    const callOnB = watchCall(b, created.id);
    await eventsOnA.waitFor('A to replay the dial', (item) => item.callEvents.type === 'call.dialed');
    await eventsOnB.waitFor('B to replay the dial', (item) => item.callEvents.type === 'call.dialed');

    await bandwidth.sim('POST', `/control/calls/${created.bandwidthCallId}/answer`);
    const queued = await gql<{ playAudio: { id: string; status: string } }>(a, PLAY_AUDIO, {
      input: { callId: created.id, fileUrl: file('two', 150) },
    });
    expect(queued.errors).toBeUndefined();
    await waitFor('both files to play', async () => (await getCall(a, created.id)).playbacks.every((p) => p.status === 'DONE'), 10_000);
    const hungUp = await gql<{ hangUpCall: CallView }>(a, HANG_UP, { callId: created.id });
    expect(hungUp.errors).toBeUndefined();
    const ended = await waitUntilHungUp(b, created.id);

    const last = ended.events!.length;
    expect(ended.events!.map((e) => e.sequence)).toEqual(oneTo(last));
    const seenOnA = await eventsUpTo(eventsOnA, last, 'the subscriber on A');
    const seenOnB = await eventsUpTo(eventsOnB, last, 'the subscriber on B');
    // Gap-free, no duplicate, in order, and the very log the store holds, on both instances.
    expect(seenOnA.map((e) => e.sequence)).toEqual(oneTo(last));
    expect(entries(seenOnA)).toEqual(entries(ended.events!));
    expect(entries(seenOnB)).toEqual(entries(seenOnA));
    expect(seenOnA.filter((e) => e.type === 'playback.requested').map((e) => e.payload.fileUrl)).toEqual([
      file('one', 150),
      file('two', 150),
    ]);

    // The call as each instance streamed it never went backwards and ended as the store says.
    for (const [name, stream] of [['A', callOnA], ['B', callOnB]] as const) {
      const snapshot = await stream.waitFor(
        `the call on ${name} to reach its last change`,
        (item) => item.callUpdated.lastSequence === last,
        10_000,
      );
      expect(snapshot.callUpdated).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP' });
      const sequences = stream.items.map((item) => item.callUpdated.lastSequence);
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    }

    // Bandwidth's webhooks went through the balancer, and each instance applied some of them.
    const webhooks = proxy.log.filter((r) => r.path.startsWith('/webhooks/bandwidth'));
    expect(webhooks.length).toBeGreaterThanOrEqual(webhooksOfCall(2));
    expect(webhooks.every((r) => r.status === 200)).toBe(true);
    expect(new Set(webhooks.map((r) => r.upstream))).toEqual(new Set([a.url, b.url]));
    // One request per file (the second asked of A, for a call B placed).
    expect(await filesRequested(bandwidth, created.bandwidthCallId!)).toEqual([file('one', 150), file('two', 150)]);
  });

  // v2 cannot hold an answer back to deliver it twice: it is a BXML webhook, and one that does not
  // reach us ends the call. (One answer delivered twice is proven on v2 in outbound-call-flow.)
  onV1Only('plays a file once when the same answer reaches both instances at the same moment', async () => {
    const { bandwidth, instances } = await deploy();
    const [a, b] = instances as [Instance, Instance];
    await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(RINGS)}`, { outcome: 'answer', afterMs: 600_000 });
    const created = await createCall(a, RINGS, [file('greeting', 150)]);
    const bwCallId = created.bandwidthCallId!;

    // Bandwidth keeps the call's events; the far end answers; the answer waits at Bandwidth.
    await bandwidth.sim('POST', `/control/calls/${bwCallId}/hold`);
    await bandwidth.sim('POST', `/control/calls/${bwCallId}/answer`);
    const held = await bandwidth.sim<Array<{ eventType: string; body: object }>>('GET', `/control/calls/${bwCallId}/held`);
    const answer = held.find((h) => h.eventType === 'answer');
    expect(answer).toBeDefined();

    // The same delivery reaches both instances at once (a retry racing the original, two balancers…).
    const deliver = async (instance: Instance): Promise<{ status: number; body: { status: string } }> => {
      const response = await fetch(`${instance.url}/webhooks/bandwidth`, {
        method: 'POST',
        headers: { authorization: WEBHOOK_AUTHORIZATION, 'content-type': 'application/json' },
        body: JSON.stringify(answer!.body),
      });
      return { status: response.status, body: (await response.json()) as { status: string } };
    };
    const outcomes = await Promise.all([deliver(a), deliver(b)]);
    expect(outcomes.map((o) => o.status)).toEqual([200, 200]);
    expect(outcomes.map((o) => o.body.status).sort()).toEqual(['applied', 'duplicate']);

    await waitFor('the audio request', async () => (await audioRequests(bandwidth, bwCallId)).some((r) => r.status === 200));
    // Both deliveries were answered, so whatever they decided has been sent by now; give a stray second request time to show.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await audioRequests(bandwidth, bwCallId)).map((r) => r.fileUrl)).toEqual([file('greeting', 150)]);
    const answered = await getCall(b, created.id);
    const answers = answered.events!.filter((e) => e.type === 'answer');
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ applied: true, deliveries: 2 });
    expect(answered.playbacks.map((p) => p.status)).toEqual(['PLAYING']);

    // Bandwidth then sends what it held (the answer once more, through the balancer): still one file, played to the end.
    await bandwidth.sim('POST', `/control/calls/${bwCallId}/release`);
    const played = await waitFor('the file to finish', async () => {
      const call = await getCall(a, created.id);
      return call.playbacks[0]!.status === 'DONE' ? call : undefined;
    });
    expect(played.events!.filter((e) => e.type === 'answer').map((e) => e.deliveries)).toEqual([3]);
    expect((await audioRequests(bandwidth, bwCallId)).map((r) => r.fileUrl)).toEqual([file('greeting', 150)]);
  });

  // v2 sends the next file in the reply of the webhook that ended the last one, not as a request
  // Bandwidth could accept while the sender dies, so there is no request to kill it in.
  onV1Only('finishes the call and its queue on the other instance when one is killed mid-send', async () => {
    const { bandwidth, proxy, instances, storage } = await deploy({ env: { OUTBOX_LEASE_MS: '1000' } });
    const files = [file('one', 600), file('two', 150), file('three', 2000)];
    const created = await createCall(instances[0]!, ANSWERS, files);
    const bwCallId = created.bandwidthCallId!;
    await waitFor('the first file to be requested', async () => (await audioRequests(bandwidth, bwCallId)).length === 1);

    // Bandwidth plays the second file at once but answers its request late: the instance that sends
    // it dies with the request accepted and its outcome unrecorded.
    await bandwidth.sim('PUT', '/control/faults/api', [
      { method: 'POST', path: '/audio', times: 1, action: { type: 'delay', delayMs: 8000 } },
    ]);
    await waitFor('the second file to be requested', async () => (await audioRequests(bandwidth, bwCallId)).length >= 2);
    // Its outbox entry, still pending, names the instance sending it: that one dies.
    const sending = (await pendingPlays(storage, created.id)).find((entry) => entry.fileUrl === files[1]);
    expect(sending).toMatchObject({ attempts: 1 });
    const doomed = instances.find((i) => i.id === sending!.lockedBy)!;
    const survivor = instances.find((i) => i !== doomed)!;
    expect((await doomed.process.kill('SIGKILL')).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const finished = await waitFor(
      'the survivor to play the rest of the queue',
      async () => {
        const call = await getCall(survivor, created.id);
        return call.playbacks.every((p) => p.status === 'DONE') ? call : undefined;
      },
      15_000,
    );
    expect(finished.state).toBe('ACTIVE');
    // The entry the dead instance held is finished too, so no instance will send it again.
    await waitFor('the outbox to be empty', async () => (await pendingPlays(storage, created.id)).length === 0, 5000);

    // At least once for the file whose request died with its sender (Bandwidth had accepted it; nobody
    // could know), exactly once for the others, and never an earlier file over a later one.
    const requested = (await audioRequests(bandwidth, bwCallId)).map((r) => r.fileUrl);
    expect(requested.filter((url) => url === files[0])).toHaveLength(1);
    expect(requested.filter((url) => url === files[1]).length).toBeGreaterThanOrEqual(1);
    expect(requested.filter((url) => url === files[2])).toHaveLength(1);
    const positions = requested.map((url) => files.indexOf(url));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    // Webhooks after the kill reached the survivor only: the balancer skipped the dead instance.
    const afterKill = proxy.log.filter((r) => r.receivedAt > killedAt && r.path.startsWith('/webhooks/bandwidth'));
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.every((r) => r.upstream === survivor.url && r.status === 200)).toBe(true);
  });

  describe('with a Redis of their own', () => {
    async function privateRedis(): Promise<RedisServer> {
      const redis = await startRedisServer();
      onDispose(() => redis.stop());
      return redis;
    }

    it('keeps every subscriber on both instances receiving, gap-free, across a Redis restart mid-call', async () => {
      const redis = await privateRedis();
      const { bandwidth, instances } = await deploy({ redisUrl: redis.url });
      const [a, b] = instances as [Instance, Instance];
      await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(RINGS)}`, { outcome: 'answer', afterMs: 600_000 });
      // The second file outlasts stopping Redis, so the queue cannot finish before the outage.
      const files = [file('one', 300), file('two', 1500)];
      const created = await createCall(a, RINGS, files);
      const eventsOnA = watchEvents(a, created.id);
      const eventsOnB = watchEvents(b, created.id);
      await eventsOnA.waitFor('A to replay the dial', (item) => item.callEvents.type === 'call.dialed');
      await eventsOnB.waitFor('B to replay the dial', (item) => item.callEvents.type === 'call.dialed');

      await bandwidth.sim('POST', `/control/calls/${created.bandwidthCallId}/answer`);
      await eventsOnA.waitFor('the first file to start on A', (item) => isFileStart(item.callEvents));
      await eventsOnB.waitFor('the first file to start on B', (item) => isFileStart(item.callEvents));
      await redis.stop();
      // The call goes on while Redis is down, its webhooks still alternating between the instances:
      // both files end and the call falls quiet, with events committed that no instance could publish.
      await waitFor(
        'the queue to finish while Redis is down',
        async () => (await getCall(b, created.id)).playbacks.every((p) => p.status === 'DONE'),
        8000,
      );
      // Read once the call is quiet, so the log is whole (one read's fields are not one snapshot).
      const quiet = (await getCall(b, created.id)).events!;
      expect(quiet.map((e) => e.sequence)).toEqual(oneTo(quiet.length));
      // What was committed during the outage has not reached the subscribers (how much was committed
      // before it depends on how long stopping Redis took, so only this is certain).
      expect(Math.min(eventsOnA.items.length, eventsOnB.items.length)).toBeLessThan(quiet.length);
      await redis.restart();

      // Nothing happens on the call any more: what was committed during the outage reaches every
      // subscriber only because the instances catch up once Redis is back.
      const caughtUpOnA = await eventsUpTo(eventsOnA, quiet.length, 'the subscriber on A, after the restart');
      const caughtUpOnB = await eventsUpTo(eventsOnB, quiet.length, 'the subscriber on B, after the restart');
      expect(entries(caughtUpOnA)).toEqual(entries(quiet));
      expect(entries(caughtUpOnB)).toEqual(entries(quiet));
      expect((await getCall(a, created.id)).events).toHaveLength(quiet.length);
      for (const instance of [a, b]) {
        // Each committed some of those events (the webhooks alternate) and could not publish them.
        expect(instance.process.output()).toContain('could not publish a call change to Redis');
        await waitFor(`${instance.id} to log its subscription back`, () =>
          instance.process.output().includes('subscribed to call changes again'),
        );
      }

      // And they keep receiving through Redis after it.
      expect((await gql(b, HANG_UP, { callId: created.id })).errors).toBeUndefined();
      const ended = await waitUntilHungUp(a, created.id);
      const last = ended.events!.length;
      expect(last).toBeGreaterThan(quiet.length);

      const seenOnA = await eventsUpTo(eventsOnA, last, 'the subscriber on A');
      const seenOnB = await eventsUpTo(eventsOnB, last, 'the subscriber on B');
      expect(seenOnA.map((e) => e.sequence)).toEqual(oneTo(last));
      expect(seenOnB.map((e) => e.sequence)).toEqual(oneTo(last));
      expect(entries(seenOnA)).toEqual(entries(ended.events!));
      expect(entries(seenOnB)).toEqual(entries(ended.events!));
      expect(eventsOnA.errors).toEqual([]);
      expect(eventsOnB.errors).toEqual([]);
    });

    it('answers /readyz 200 when store and Redis answer, and 503 naming changeBus while Redis is down', async () => {
      const redis = await privateRedis();
      const { instances } = await deploy({ redisUrl: redis.url, count: 1 });
      const [instance] = instances as [Instance];
      const readyz = async (): Promise<{ status: number; body: unknown }> => {
        const response = await fetch(`${instance.url}/readyz`);
        return { status: response.status, body: await response.json() };
      };

      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'ok', changeBus: 'ok' } } });
      await redis.stop();
      expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', checks: { store: 'ok', changeBus: 'failing' } } });
      // Still alive: only readiness depends on Redis.
      expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
      await redis.restart();
      await waitFor('the instance to be ready again', async () => (await readyz()).status === 200, 8000);
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { store: 'ok', changeBus: 'ok' } } });
    });
  });
});

/** The call's play requests still waiting in the shared outbox, and which instance holds each. */
async function pendingPlays(
  storage: Env,
  callId: string,
): Promise<Array<{ fileUrl: string; lockedBy: string | null; attempts: number }>> {
  const client = new pg.Client({
    connectionString: storage.DATABASE_URL,
    options: `-c search_path=${storage.DATABASE_SCHEMA}`,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ effect: string; locked_by: string | null; attempts: number }>(
      `select effect, locked_by, attempts from outbox where call_id = $1 and kind = 'play' and status = 'pending' order by id`,
      [callId],
    );
    return rows.map((row) => ({
      fileUrl: (JSON.parse(row.effect) as { fileUrl: string }).fileUrl,
      lockedBy: row.locked_by,
      attempts: row.attempts,
    }));
  } finally {
    await client.end();
  }
}
