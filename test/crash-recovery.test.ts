import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, expect, it } from '@jest/globals';
import { CREATE_CALL, FROM, GET_CALL, PLAY_AUDIO, file, type CallView } from './support/documents.js';
import { spawnService } from './support/service-process.js';
import { BANDWIDTH_API, audioRequestFault, informationalWebhook } from './support/bandwidth-api.js';
import { BACKEND } from './support/backend.js';
import { API_TOKEN, WEBHOOK_PASSWORD, WEBHOOK_USERNAME, audioRequests, filesRequested, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, postGraphQL, startTestService, waitFor } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const SLOW_TO_ANSWER = '+19195550778';

async function getCall(url: string, id: string): Promise<CallView> {
  const { data } = await postGraphQL<{ call: CallView }>(url, GET_CALL, { id }, API_TOKEN);
  return data!.call;
}

/**
 * The service that dies is a process of its own, killed for real. The one that takes over starts
 * in the test's process: the same startServer that `npm start` runs, without a second process's
 * module loading (two seconds on a busy machine).
 */
forEachSetup('after a SIGKILL', () => {
  it('plays the file whose audio request was decided but not yet accepted when the service died', async () => {
    const bandwidth = await standaloneBandwidth();
    // Bandwidth's media service is down: every audio request fails until the fault is cleared.
    await bandwidth.sim('PUT', '/control/faults/api', [audioRequestFault(503)]);
    const first = await spawnService(bandwidth.env);
    // On v1 the file decided on the answer is an audio request. On v2 it would ride in the answer's
    // reply, which no fault can refuse: there the file is queued once the call is up, so it goes out
    // as a request (`PUT …/bxml`) like v1's.
    const queuedAtCreate = BANDWIDTH_API === 'v1';
    const created = await postGraphQL<{ createCall: CallView }>(
      first.url,
      CREATE_CALL,
      { input: { from: FROM, to: '+19195550123', audio: queuedAtCreate ? [{ fileUrl: file('greeting', 60) }] : [] } },
      API_TOKEN,
    );
    const call = created.data!.createCall;
    if (!queuedAtCreate) {
      await waitFor('the answer', async () => (await getCall(first.url, call.id)).state === 'ACTIVE');
      const queued = await postGraphQL(first.url, PLAY_AUDIO, { input: { callId: call.id, fileUrl: file('greeting', 60) } }, API_TOKEN);
      expect(queued.errors).toBeUndefined();
    }
    // The answer arrived and the audio request went out (and was refused, and is being retried).
    await waitFor('the audio request to be refused', async () => (await audioRequests(bandwidth, call.bandwidthCallId!)).length > 0);
    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');

    await bandwidth.sim('DELETE', '/control/faults/api');
    const second = await startTestService(bandwidth.env);
    const played = await waitFor('the file to play after the restart', async () => {
      const now = await getCall(second.url, call.id);
      return now.playbacks[0]!.status === 'DONE' ? now : undefined;
    }, 10_000);
    expect(played.state).toBe('ACTIVE');
    const accepted = (await audioRequests(bandwidth, call.bandwidthCallId!)).filter((r) => r.status >= 200 && r.status < 300);
    expect(accepted.map((r) => r.fileUrl)).toEqual([file('greeting', 60)]);
  });

  it('keeps the queue of a ringing call and plays it in order once answered', async () => {
    const bandwidth = await standaloneBandwidth();
    await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(SLOW_TO_ANSWER)}`, { outcome: 'answer', afterMs: 600_000 });
    const first = await spawnService(bandwidth.env);
    const created = await postGraphQL<{ createCall: CallView }>(
      first.url,
      CREATE_CALL,
      { input: { from: FROM, to: SLOW_TO_ANSWER, audio: [{ fileUrl: file('one', 40) }, { fileUrl: file('two', 40) }] } },
      API_TOKEN,
    );
    const call = created.data!.createCall;
    expect(call.state).toBe('RINGING');
    await first.kill('SIGKILL');

    const second = await startTestService(bandwidth.env);
    await bandwidth.sim('POST', `/control/calls/${call.bandwidthCallId}/answer`);
    await waitFor('both files to play', async () => (await getCall(second.url, call.id)).playbacks.every((p) => p.status === 'DONE'));
    expect(await filesRequested(bandwidth, call.bandwidthCallId!)).toEqual([file('one', 40), file('two', 40)]);
  });

  it('loses no acknowledged webhook and leaves an intact database when killed mid-burst', async () => {
    const bandwidth = await standaloneBandwidth();
    await bandwidth.sim('PUT', `/control/scripts/${encodeURIComponent(SLOW_TO_ANSWER)}`, { outcome: 'answer', afterMs: 600_000 });
    const first = await spawnService(bandwidth.env);
    const calls: CallView[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { data } = await postGraphQL<{ createCall: CallView }>(
        first.url,
        CREATE_CALL,
        { input: { from: FROM, to: SLOW_TO_ANSWER } },
        API_TOKEN,
      );
      calls.push(data!.createCall);
    }

    const authorization = `Basic ${Buffer.from(`${WEBHOOK_USERNAME}:${WEBHOOK_PASSWORD}`).toString('base64')}`;
    const acknowledged: Array<{ callId: string; time: string }> = [];
    let sent = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      while (!killed) {
        const call = calls[sent % calls.length]!;
        const webhook = informationalWebhook(call, sent, bandwidth.simulator);
        sent += 1;
        const response = await fetch(`${first.url}${webhook.path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(webhook.body),
        }).catch(() => undefined);
        if (response?.status === 200) acknowledged.push({ callId: call.id, time: webhook.time });
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    await waitFor('a few hundred acknowledged webhooks', () => acknowledged.length >= 300, 15_000);
    await first.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);

    expect(await integrityCheck(bandwidth.env)).toBe('ok');

    const second = await startTestService(bandwidth.env);
    const log = `query($id: ID!) { call(id: $id) { events(first: 1000) { sequence type payload } } }`;
    for (const call of calls) {
      const { data } = await postGraphQL<{ call: { events: NonNullable<CallView['events']> } }>(second.url, log, { id: call.id }, API_TOKEN);
      const events = data!.call.events;
      const probe = informationalWebhook(call, 0, bandwidth.simulator);
      const logged = new Set(events.filter((e) => e.type === probe.type).map((e) => probe.timeOf(e.payload)));
      const missing = acknowledged.filter((a) => a.callId === call.id && !logged.has(a.time));
      expect(missing).toEqual([]);
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    }
  });
});

/**
 * The database's own consistency check after a crash: SQLite's `integrity_check`; for PostgreSQL
 * (whose write-ahead log makes a torn write impossible) that every table and index is readable.
 */
async function integrityCheck(env: Record<string, string>): Promise<string> {
  if (BACKEND === 'sqlite') {
    const db = new Database(env.DATABASE_URL!.replace(/^sqlite:/, ''));
    try {
      return db.pragma('integrity_check', { simple: true }) as string;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: env.DATABASE_URL, options: `-c search_path=${env.DATABASE_SCHEMA}` });
  await client.connect();
  try {
    for (const table of ['calls', 'playbacks', 'call_events', 'outbox', 'unmatched_events', 'idempotency_keys']) {
      await client.query(`select count(*) from ${table}`);
    }
    await client.query('set enable_seqscan = off');
    await client.query('select count(*) from call_events where call_id is not null');
    return 'ok';
  } finally {
    await client.end();
  }
}
