import { afterEach, expect, it } from '@jest/globals';
import { CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { spawnService } from './support/service-process.js';
import { API_TOKEN, standaloneBandwidth } from './support/standalone-bandwidth.js';
import { disposeAll, postGraphQL, startTestService, waitFor, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

/** Creates `count` calls one after the other; `answered` is called as each create's answer arrives. */
async function createCalls(service: TestService, count: number, answered: () => void = () => undefined): Promise<CallView[]> {
  const calls: CallView[] = [];
  for (let i = 0; i < count; i += 1) {
    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: `+1919555020${i}` } });
    answered();
    expect(errors).toBeUndefined();
    calls.push(data!.createCall);
  }
  return calls;
}

/** When each call reached Bandwidth (its create answered 201), by the number it dialled. */
async function createTimes(service: TestService): Promise<Map<string, number>> {
  const requests = await service.sim<Array<{ method: string; path: string; status: number; at: string; body?: { to?: string } }>>('GET', '/control/requests');
  const creates = requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.status === 201);
  return new Map(creates.map((r) => [r.body!.to!, Date.parse(r.at)]));
}

// Our pacing is the same on either API; the far end's refusal is v1's `call-rate-limit` error.
forEachSetup('outbound call rate', { apis: ['v1'] }, () => {
  it('queues calls beyond OUTBOUND_CALLS_PER_SECOND and places them in order at that pace', async () => {
    const service = await startTestService({ OUTBOUND_CALLS_PER_SECOND: '2' });
    const answeredAt: number[] = [];
    const calls: CallView[] = [];
    for (const call of await createCalls(service, 4, () => answeredAt.push(Date.now()))) calls.push(call);
    expect(calls[0]!.state).toBe('RINGING');

    for (const call of calls) await waitForCall(service, call.id, 'the call to be placed', (c) => c.bandwidthCallId !== null);
    const placedAt = await createTimes(service);
    const times = calls.map((call) => placedAt.get(call.to)!);
    expect(times.every(Number.isFinite)).toBe(true);
    // In the order they were created, four calls at two a second taking three intervals of 500 ms
    // (less what the first request spent on its way, on a busy machine).
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1200);
    // A call whose turn had not come when it was created was answered QUEUED. (On a busy machine a
    // create may take longer than a turn; such a call was placed before its answer.)
    for (let i = 1; i < calls.length; i += 1) {
      if (times[i]! > answeredAt[i]!) expect(calls[i]!.state).toBe('QUEUED');
    }
    const placed = await Promise.all(calls.map((c) => waitForCall(service, c.id, 'the call', () => true)));
    expect(placed.every((c) => c.events!.filter((e) => e.type === 'call.dialed').length === 1)).toBe(true);
  });

  it('keeps serving while more calls wait for their turn than one outbox sweep claims', async () => {
    // Its own process: a sweep that never ends would freeze the process it runs in, and with it
    // a test running in the same one. One call a second, a sweep every 250 ms and pages of 20
    // leave 60 queued dials pending in the outbox, three pages, across many sweeps.
    const bandwidth = await standaloneBandwidth({
      OUTBOUND_CALLS_PER_SECOND: '1',
      OUTBOX_LEASE_MS: '500',
      OUTBOX_SWEEP_PAGE: '20',
      MUTATION_RATE_LIMIT: '0',
    });
    const service = await spawnService(bandwidth.env);
    let next = 0;
    const states: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 60) {
          next += 1;
          const { data, errors } = await postGraphQL<{ createCall: CallView }>(
            service.url,
            CREATE_CALL,
            { input: { from: FROM, to: `+1919555${String(1000 + next)}` } },
            API_TOKEN,
          );
          expect(errors).toBeUndefined();
          states.push(data!.createCall.state);
        }
      }),
    );
    expect(states.filter((state) => state === 'QUEUED').length).toBeGreaterThan(50);

    // The queue still drains at its pace, one call a second, across several sweeps…
    await waitFor('three calls to be placed', async () => {
      const requests = await bandwidth.sim<Array<{ method: string; path: string; status: number }>>('GET', '/control/requests');
      return requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.status === 201).length >= 3;
    }, 15_000);
    // …and the process still answers (a frozen one would not, within the 3 s allowed).
    const health = await fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(3000) });
    expect(health.status).toBe(200);
  });

  it('waits and retries when Bandwidth answers call-rate-limit, without failing the call', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { callRateLimit: { calls: 1, perMs: 1500 } });
    const calls = await createCalls(service, 2);
    expect(calls[0]!.state).toBe('RINGING');
    expect(calls[1]!.state).toBe('QUEUED');

    const second = await waitForCall(service, calls[1]!.id, 'the second call to be placed', (c) => c.bandwidthCallId !== null);
    expect(second.state).not.toBe('FAILED');
    const types = second.events!.map((e) => e.type);
    expect(types).toContain('call.rate_limited');
    expect(types.filter((t) => t === 'call.dialed')).toHaveLength(1);
  });
});
