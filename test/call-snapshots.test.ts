import { describe, expect, it } from '@jest/globals';
import type { CallRecord } from '../src/calls/call.js';
import type { CallStore } from '../src/calls/call-store.js';
import { InProcessCallChangeBus } from '../src/change-bus/in-process-change-bus.js';
import { callUpdateStream } from '../src/graphql/call-streams.js';
import { callRecord } from './support/call-records.js';

/** A store that knows one call, for the snapshot a call's stream starts with. */
function storeHolding(call: CallRecord | null): CallStore {
  return { getCall: async () => call } as unknown as CallStore;
}

const changed = (bus: InProcessCallChangeBus, id: string, sequence: number): void =>
  bus.publish({ callId: id, sequence, call: callRecord(id, { lastSequence: sequence }) });

describe('callUpdated snapshots', () => {
  it('hold at most one snapshot per call for a reader that does not keep up, the newest, in the order the calls first changed', async () => {
    const bus = new InProcessCallChangeBus();
    const stream = callUpdateStream(storeHolding(null), bus, null);
    // Far past what an unbounded queue of pushes allows (1,024 pending in the library it replaced).
    for (let sequence = 1; sequence <= 5000; sequence += 1) for (const id of ['call_a', 'call_b', 'call_c']) changed(bus, id, sequence);

    const taken = [await stream.next(), await stream.next(), await stream.next()].map((r) => [r.value!.id, r.value!.lastSequence]);
    expect(taken).toEqual([
      ['call_a', 5000],
      ['call_b', 5000],
      ['call_c', 5000],
    ]);
    changed(bus, 'call_b', 5001);
    expect((await stream.next()).value).toMatchObject({ id: 'call_b', lastSequence: 5001 });
    await stream.return!();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('give a reader that keeps up every change, starting with the call as it is, and never one older than what it has', async () => {
    const bus = new InProcessCallChangeBus();
    const stream = callUpdateStream(storeHolding(callRecord('call_a', { lastSequence: 3 })), bus, 'call_a');
    expect((await stream.next()).value).toMatchObject({ lastSequence: 3 });
    changed(bus, 'call_a', 2);
    changed(bus, 'call_a', 4);
    expect((await stream.next()).value).toMatchObject({ lastSequence: 4 });
    const waiting = stream.next();
    changed(bus, 'call_a', 4);
    changed(bus, 'call_a', 5);
    expect((await waiting).value).toMatchObject({ lastSequence: 5 });
    await stream.return!();
  });

  it('end with the store’s error when the first snapshot cannot be read', async () => {
    const bus = new InProcessCallChangeBus();
    const failing = { getCall: async () => Promise.reject(new Error('store down')) } as unknown as CallStore;
    const stream = callUpdateStream(failing, bus, 'call_a');
    await expect(stream.next()).rejects.toThrow('store down');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
