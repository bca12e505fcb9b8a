import { afterEach, expect, it } from '@jest/globals';
import pg from 'pg';
import { TEST_DATABASE_URL, storageEnv } from './support/backend.js';
import { informationalWebhook } from './support/bandwidth-api.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { CREATE_CALL, FROM, GET_CALL, HANG_UP, ANSWERS, file, type CallView } from './support/documents.js';
import { forEachSetup } from './support/matrix.js';
import { spawnService } from './support/service-process.js';
import { API_TOKEN, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, onDispose, postGraphQL, startTestService, waitFor, type GraphQLResponse } from './support/test-service.js';

afterEach(disposeAll);

const WEBHOOK = { WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD: 'connection-loss-password' };
const WEBHOOK_AUTHORIZATION = `Basic ${Buffer.from(`${WEBHOOK.WEBHOOK_USERNAME}:${WEBHOOK.WEBHOOK_PASSWORD}`).toString('base64')}`;

const CALLS = 20;

/** Ends every connection the service holds to PostgreSQL, as a database restart or failover does; returns how many. */
async function terminateConnections(admin: pg.Client, schema: string): Promise<number> {
  const { rows } = await admin.query<{ count: string }>(
    'select count(pg_terminate_backend(pid)) as count from pg_stat_activity where application_name = $1',
    [`catapult-voice:${schema}`],
  );
  return Number(rows[0]!.count);
}

forEachSetup('PostgreSQL dropping the service’s connections', { backends: ['postgres'] }, () => {
  it('never stops the service: every call completes whole, nothing is applied twice, and it is ready again', async () => {
    const bandwidth = await standaloneBandwidth();
    const service = await spawnService(bandwidth.env);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    onDispose(() => admin.end());
    const schema = bandwidth.env.DATABASE_SCHEMA!;

    /** A client that retries what failed, as one should: the same idempotency key never dials twice. */
    const retried = async <T>(what: string, document: string, variables: Record<string, unknown>): Promise<T> => {
      let last: GraphQLResponse<T> | undefined;
      return waitFor(
        what,
        async () => {
          last = await postGraphQL<T>(service.url, document, variables, API_TOKEN).catch(() => undefined);
          return last?.data && !last.errors ? last.data : undefined;
        },
        30_000,
      );
    };

    // Three cuts while the calls are being created, dialled, answered and played.
    const cuts: number[] = [];
    const cutter = (async () => {
      for (let i = 0; i < 3; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        cuts.push(await terminateConnections(admin, schema));
      }
    })();
    onDispose(() => cutter.catch(() => undefined));
    const created = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        retried<{ createCall: CallView }>(`call ${i} to be created`, CREATE_CALL, {
          input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file(`a${i}`, 40) }, { fileUrl: file(`b${i}`, 40) }], idempotencyKey: `loss-${i}` },
        }),
      ),
    );
    const ids = created.map((c) => c.createCall.id);
    let waiting = '';
    let stuck: CallView | undefined;
    await waitFor(
      () => `every file to be played; still waiting for ${waiting}`,
      async () => {
        for (const id of ids) {
          const { data } = await postGraphQL<{ call: CallView }>(service.url, GET_CALL, { id }, API_TOKEN).catch(() => ({ data: undefined }));
          if (!data?.call?.playbacks.every((p) => p.status === 'DONE')) {
            stuck = data?.call;
            waiting = data?.call ? JSON.stringify({ state: data.call.state, playbacks: data.call.playbacks.map((p) => p.status), events: data.call.events?.map((e) => e.type) }) : id;
            return false;
          }
        }
        return true;
      },
      60_000,
    ).catch(async (error: Error) => {
      // What Bandwidth made of the stuck call, and what the service logged about it.
      const atBandwidth = stuck?.bandwidthCallId ? await bandwidth.sim('GET', `/control/calls/${stuck.bandwidthCallId}`).catch(String) : undefined;
      const lines = service.output().split('\n').filter((line) => /"level":(40|50)/.test(line) || (stuck && line.includes(stuck.id)));
      throw new Error(`${error.message}\nat Bandwidth: ${JSON.stringify(atBandwidth)}\nservice log: ${lines.slice(-30).join('\n')}`);
    });
    await cutter;
    // Each cut found connections to end: the service held some throughout.
    expect(cuts.filter((count) => count > 0)).toHaveLength(3);

    for (const id of ids) await retried(`call ${id} to be hung up`, HANG_UP, { callId: id });
    const log = `query($id: ID!) { call(id: $id) { state bandwidthCallId events(first: 1000) { sequence type applied } } }`;
    for (const id of ids) {
      let seen = '';
      const { call } = await waitFor(
        () => `call ${id} to complete with its dial recorded; last seen: ${seen}`,
        async () => {
          const { data } = await postGraphQL<{ call: CallView & { events: Array<{ sequence: number; type: string; applied: boolean }> } }>(service.url, log, { id }, API_TOKEN);
          seen = `${data?.call.state}: ${data?.call.events.map((e) => e.type).join(', ')}`;
          // The dial's own bookkeeping may trail the call's events: a cut caught it, and the dialler
          // tries again after a back-off of up to 8 s (its answer had already told the call its id).
          return data?.call.state === 'COMPLETED' && data.call.events.some((e) => e.type === 'call.dialed') ? data : undefined;
        },
        30_000,
      );
      expect(call.events.map((e) => e.sequence)).toEqual(call.events.map((_, i) => i + 1));
      const types = call.events.map((e) => `${e.type}${e.applied ? '' : ' (not applied)'}`);
      const count = (type: string): number => types.filter((t) => t === type).length;
      const counted = { dialed: count('call.dialed') + count('call.dialed (not applied)'), answered: count('answer') };
      // A failure names the call and shows its whole log.
      if (counted.dialed !== 1 || counted.answered !== 1) throw new Error(`call ${id}: ${JSON.stringify(counted)}, log: ${types.join(', ')}`);
    }
    // One create per call at Bandwidth, whatever was retried.
    const creates = (await bandwidth.sim<Array<{ method: string; path: string; status: number }>>('GET', '/control/requests')).filter(
      (r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.status < 300,
    );
    expect(creates).toHaveLength(CALLS);

    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(service.output()).toContain('database connection lost');
  }, 120_000);

  it('reports not-ready while PostgreSQL cannot be reached, fails requests with a code meanwhile, and recovers by itself', async () => {
    const database = new URL(TEST_DATABASE_URL);
    const proxy = await startTcpProxy(`http://${database.hostname}:${database.port || 5432}`);
    onDispose(() => proxy.close());
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = new URL(proxy.url).port;
    // In this process: a connection error nobody listens to would fail the whole test file.
    const service = await startTestService({ ...storageEnv(), DATABASE_URL: viaProxy.toString(), ...WEBHOOK });
    const before = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    expect(before.errors).toBeUndefined();
    const ready = async () => {
      const response = await fetch(`${service.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
    };
    expect((await ready()).status).toBe(200);

    proxy.cut();
    await waitFor('/readyz to report the store failing', async () => {
      const { status, body } = await ready();
      return status === 503 && body.checks.store === 'failing';
    });
    // "Try again later", not a fault: a coded error for clients, 503 for Bandwidth's webhooks.
    const during = await service.gql(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    expect(during.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'unreachable' });
    const webhook = informationalWebhook(before.data!.createCall, 1, service.server.simulator!);
    const delivered = await fetch(`${service.url}${webhook.path}`, {
      method: 'POST',
      headers: { authorization: WEBHOOK_AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify(webhook.body),
    });
    expect([delivered.status, await delivered.json()]).toEqual([503, { statusCode: 503, error: 'Service Unavailable', message: 'storage unavailable' }]);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    proxy.restore();
    await waitFor('/readyz to be ready again', async () => (await ready()).status === 200, 15_000);
    const after = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    expect(after.errors).toBeUndefined();
    const earlier = await service.gql<{ call: CallView }>(GET_CALL, { id: before.data!.createCall.id });
    expect(earlier.data!.call.id).toBe(before.data!.createCall.id);
  });
});
