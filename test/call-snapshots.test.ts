import { describe, expect, it } from '@jest/globals';
import type { CallRecord } from '../src/calls/call.js';
import type { CallStore } from '../src/calls/call-store.js';
import { InProcessCallChangeBus } from '../src/change-bus/in-process-change-bus.js';
import { callUpdateStream, MAX_PENDING_SNAPSHOTS } from '../src/graphql/call-streams.js';
import { callRecord } from './support/call-records.js';

/** A store that knows one call, for the snapshot a call's stream starts with. */
function storeHolding(call: CallRecord | null): CallStore {
  return { getCall: async () => call } as unknown as CallStore;
}

const changed = (bus: InProcessCallChangeBus, id: string, sequence: number): void =>
  bus.publish({ callId: id, sequence, call: callRecord(id, { lastSequence: sequence }) });

describe('callUpdated snapshots', () => {
  it('hold a bounded number of snapshots for a reader that does not keep up: each call’s newest, never one going backwards', async () => {
    const bus = new InProcessCallChangeBus();
    const stream = callUpdateStream(storeHolding(null), bus, null);
    // Far past what an unbounded queue of pushes allows (1,024 pending in the library it replaced).
    for (let sequence = 1; sequence <= 5000; sequence += 1) for (const id of ['call_a', 'call_b', 'call_c']) changed(bus, id, sequence);
    changed(bus, 'call_b', 5001);

    // Read until the last change made: everything waiting is taken by then.
    const taken: Array<[string, number]> = [];
    while (!taken.some(([id, sequence]) => id === 'call_b' && sequence === 5001)) {
      const { value } = await stream.next();
      taken.push([value!.id, value!.lastSequence]);
    }
    expect(taken.length).toBeLessThanOrEqual(MAX_PENDING_SNAPSHOTS + 1);
    for (const id of ['call_a', 'call_b', 'call_c']) {
      const sequences = taken.filter(([call]) => call === id).map(([, sequence]) => sequence);
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
      expect(new Set(sequences).size).toBe(sequences.length);
      expect(sequences.at(-1)).toBe(id === 'call_b' ? 5001 : 5000);
    }
    await stream.return!();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('give a reader a little behind every snapshot, in order', async () => {
    const bus = new InProcessCallChangeBus();
    const stream = callUpdateStream(storeHolding(null), bus, null);
    for (let sequence = 1; sequence <= 3; sequence += 1) for (const id of ['call_a', 'call_b']) changed(bus, id, sequence);
    const taken = [];
    for (let i = 0; i < 6; i += 1) taken.push(((await stream.next()).value as CallRecord).lastSequence);
    expect(taken).toEqual([1, 1, 2, 2, 3, 3]);
    await stream.return!();
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
