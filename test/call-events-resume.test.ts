import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CALL_EVENTS, CALL_UPDATED, CREATE_CALL, FROM, HANG_UP, file, type CallEventView, type CallView } from './support/documents.js';
import { isFileDone } from './support/bandwidth-api.js';
import { Subscription, disposeAll, startTestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

forEachSetup('callEvents', () => {
  it('replays the log after the given sequence, then streams live with no gap and no duplicate', async () => {
    const service = await startTestService();
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
      input: { from: FROM, to: ANSWERS, audio: [{ fileUrl: file('a', 40) }, { fileUrl: file('b', 40) }, { fileUrl: file('c', 40) }] },
    });
    const call = data!.createCall;

    // A first client follows the call from the start and "drops" half-way through.
    const first = new Subscription<{ callEvents: CallEventView }>(service.ws(), CALL_EVENTS, { callId: call.id });
    const dropAt = await first.waitFor('the first file to finish', ({ callEvents }) =>
      isFileDone(callEvents),
    );
    first.close();
    const seenBeforeDrop = first.items.map((e) => e.callEvents.sequence);

    // It reconnects with the last sequence it saw, while the call is still going on.
    const resumed = new Subscription<{ callEvents: CallEventView }>(service.ws(), CALL_EVENTS, {
      callId: call.id,
      afterSequence: dropAt.callEvents.sequence,
    });
    const filesDone = () =>
      resumed.items.filter((e) => isFileDone(e.callEvents)).length;
    await resumed.waitUntil('the two remaining files to finish', () => filesDone() === 2 || undefined);
    await service.gql(HANG_UP, { callId: call.id });
    await resumed.waitFor('the hangup', ({ callEvents }) => callEvents.type === 'call.hung_up');

    const all = [...seenBeforeDrop.filter((s) => s <= dropAt.callEvents.sequence), ...resumed.items.map((e) => e.callEvents.sequence)];
    expect(all).toEqual(all.map((_, i) => i + 1));
    expect(resumed.items[0]!.callEvents.sequence).toBe(dropAt.callEvents.sequence + 1);
  });

  it('refuses an unknown call with NOT_FOUND, as callUpdated does', async () => {
    const service = await startTestService();
    const events = new Subscription(service.ws(), CALL_EVENTS, { callId: 'call_missing' });
    await expect(events.waitFor('anything', () => true, 2000)).rejects.toThrow(/NOT_FOUND/);
    const updates = new Subscription(service.ws(), CALL_UPDATED, { callId: 'call_missing' });
    await expect(updates.waitFor('anything', () => true, 2000)).rejects.toThrow(/NOT_FOUND/);
  });
});
