import { afterEach, describe, expect, it } from '@jest/globals';
import { CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';

afterEach(disposeAll);

async function createCalls(service: TestService, count: number): Promise<CallView[]> {
  const calls: CallView[] = [];
  for (let i = 0; i < count; i += 1) {
    const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: `+1919555020${i}` } });
    expect(errors).toBeUndefined();
    calls.push(data!.createCall);
  }
  return calls;
}

async function createTimes(service: TestService): Promise<number[]> {
  const requests = await service.sim<Array<{ method: string; path: string; status: number; at: string }>>('GET', '/control/requests');
  return requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.status === 201).map((r) => Date.parse(r.at));
}

describe('outbound call rate', () => {
  it('queues calls beyond OUTBOUND_CALLS_PER_SECOND and places them in order at that pace', async () => {
    const service = await startTestService({ OUTBOUND_CALLS_PER_SECOND: '4' });
    const calls = await createCalls(service, 4);
    expect(calls[0]!.state).toBe('RINGING');
    expect(calls.slice(1).map((c) => c.state)).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);

    for (const call of calls) await waitForCall(service, call.id, 'the call to be placed', (c) => c.bandwidthCallId !== null);
    const times = await createTimes(service);
    expect(times).toHaveLength(4);
    // Four calls at four a second take three intervals of 250 ms (less a little clock jitter).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(600);
    const placed = await Promise.all(calls.map((c) => waitForCall(service, c.id, 'the call', () => true)));
    const dialledAt = placed.map((c) => c.events!.find((e) => e.type === 'call.dialed')!.sequence);
    expect(dialledAt.every((s) => s > 0)).toBe(true);
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
