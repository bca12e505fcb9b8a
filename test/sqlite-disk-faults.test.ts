import { afterEach, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { informationalWebhook } from './support/bandwidth-api.js';
import { CREATE_CALL, FROM, PLAY_AUDIO, type CallView } from './support/documents.js';
import { captureLog } from './support/log-capture.js';
import { forEachSetup } from './support/matrix.js';
import { mountSmallDisk, type SmallDisk } from './support/small-disk.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';

afterEach(disposeAll);

const WEBHOOK = { WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD: 'disk-faults-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${WEBHOOK.WEBHOOK_USERNAME}:${WEBHOOK.WEBHOOK_PASSWORD}`).toString('base64')}`;
const RINGS = '+19195557201';

type Webhook = ReturnType<typeof informationalWebhook>;

async function deliver(service: TestService, webhook: Webhook): Promise<{ status: number; body: string }> {
  const response = await fetch(`${service.url}${webhook.path}`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify(webhook.body),
  });
  return { status: response.status, body: await response.text() };
}

/** A service whose SQLite file lives on `disk`, with a call that rings until the test ends. */
async function ringingCallOn(disk: SmallDisk): Promise<{ service: TestService; call: CallView; log: ReturnType<typeof captureLog> }> {
  const log = captureLog();
  const service = await startTestService(
    { DATABASE_URL: `sqlite:${disk.dir}/calls.sqlite`, ...WEBHOOK, LOG_LEVEL: 'info' },
    { logStream: log.stream },
  );
  await service.sim('PUT', `/control/scripts/${encodeURIComponent(RINGS)}`, { outcome: 'answer', afterMs: 600_000 });
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: RINGS } });
  const call = await waitForCall(service, data!.createCall.id, 'the call to ring', (c) => c.state === 'RINGING');
  return { service, call, log };
}

/** The times of the call's informational webhooks in its log, and whether the log is gap-free. */
async function loggedWebhooks(service: TestService, call: CallView): Promise<{ times: string[]; gapFree: boolean }> {
  const events = await service.server.store.listEvents(call.id, 0, 10_000);
  const probe = informationalWebhook(call, 0, service.server.simulator!);
  return {
    times: events.filter((e) => e.type === probe.type).map((e) => probe.timeOf(e.payload as Record<string, unknown>)),
    gapFree: events.every((e, i) => e.sequence === i + 1),
  };
}

/**
 * Delivers webhooks until the store refuses one; every delivery is either taken (200, logged) or
 * refused with a 5xx that Bandwidth retries. Returns what was taken and what was refused.
 */
async function deliverUntilRefused(service: TestService, call: CallView, from: number): Promise<{ taken: Webhook[]; refused: Webhook[] }> {
  const taken: Webhook[] = [];
  const refused: Webhook[] = [];
  // The WAL may have room left from before the fault; it cannot hold more than the disk's size.
  for (let n = from; refused.length < 3 && n < from + 3000; n += 1) {
    const webhook = informationalWebhook(call, n, service.server.simulator!);
    const answer = await deliver(service, webhook);
    if (answer.status === 200) taken.push(webhook);
    else {
      expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({
        status: 503,
        body: { statusCode: 503, error: 'Service Unavailable', message: 'storage unavailable' },
      });
      refused.push(webhook);
    }
  }
  expect(refused).toHaveLength(3);
  return { taken, refused };
}

function integrityCheck(disk: SmallDisk): string {
  const db = new Database(`${disk.dir}/calls.sqlite`);
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

// The disk under the embedded store; PostgreSQL's disk is its server's to manage (it refuses writes alike).
forEachSetup('SQLite on a disk that fills up', { backends: ['sqlite'] }, () => {
  it('refuses webhooks with 503 while the disk is full, keeps nothing half-written, and takes them again once space is back', async () => {
    const disk = await mountSmallDisk(4096);
    const { service, call, log } = await ringingCallOn(disk);
    disk.fill();

    const { taken, refused } = await deliverUntilRefused(service, call, 1);
    // A mutation meets the same fault with a coded error and changes nothing.
    const play = await service.gql(PLAY_AUDIO, { input: { callId: call.id, fileUrl: 'https://audio.example/full.mp3' } });
    expect(play.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const duringFault = await loggedWebhooks(service, call);
    expect(duringFault).toEqual({ times: taken.map((w) => w.time), gapFree: true });
    expect(log.entries().filter((e) => e.msg === 'storage unavailable').length).toBeGreaterThan(0);

    disk.free();
    // Bandwidth's retries of what was refused are taken once each, in order after what was.
    for (const webhook of refused) expect((await deliver(service, webhook)).status).toBe(200);
    const after = await loggedWebhooks(service, call);
    expect(after).toEqual({ times: [...taken, ...refused].map((w) => w.time), gapFree: true });
    expect((await service.gql(PLAY_AUDIO, { input: { callId: call.id, fileUrl: 'https://audio.example/back.mp3' } })).errors).toBeUndefined();
    await service.stop();
    expect(integrityCheck(disk)).toBe('ok');
  });
});
