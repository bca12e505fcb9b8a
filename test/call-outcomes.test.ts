import { afterEach, expect, it } from '@jest/globals';
import {
  BUSY,
  CREATE_CALL,
  FROM,
  HANGS_UP,
  HANG_UP,
  NO_ANSWER,
  REJECTS,
  UNALLOCATED,
  ANSWERS,
  file,
  type CallView,
} from './support/documents.js';
import { audioCommands, endReasonBeforeAnswer, hangupCause, simulatedCallState } from './support/bandwidth-api.js';
import { onV1Only } from './support/on-v1-only.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

async function placeCall(service: TestService, input: Record<string, unknown>): Promise<CallView> {
  const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, {
    input: { from: FROM, audio: [{ fileUrl: file('greeting', 2000) }, { fileUrl: file('menu') }], ...input },
  });
  expect(errors).toBeUndefined();
  return data!.createCall;
}

function untilEnded(service: TestService, id: string): Promise<CallView> {
  return waitForCall(service, id, `call ${id} to end`, (c) => Boolean(c.endedAt));
}

/** Every request about audio Bandwidth got for the call, files and stops alike. */
async function audioRequestCount(service: TestService, bandwidthCallId: string): Promise<number> {
  return (await audioCommands(service.sim, bandwidthCallId)).length;
}

forEachSetup('calls that never connect', () => {
  it.each([
    ['busy', BUSY, 'BUSY', 'USER_BUSY'],
    ['rejected', REJECTS, 'REJECTED', 'CALL_REJECTED'],
    ['unallocated', UNALLOCATED, 'UNREACHABLE', 'UNALLOCATED_NUMBER'],
  ])('fail as %s, cancel the queue and play nothing', async (_name, to, endReason, cause) => {
    const service = await startTestService();
    const call = await placeCall(service, { to });
    const ended = await untilEnded(service, call.id);
    expect(ended).toMatchObject({ state: 'FAILED', endReason: endReasonBeforeAnswer(endReason), hangupCause: hangupCause(cause), answeredAt: null });
    expect(ended.playbacks.map((p) => p.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(await audioRequestCount(service, call.bandwidthCallId!)).toBe(0);
  });

  it('fails with NO_ANSWER when nobody picks up within the call timeout', async () => {
    const service = await startTestService();
    const call = await placeCall(service, { to: NO_ANSWER, callTimeoutSeconds: 1 });
    const ended = await untilEnded(service, call.id);
    expect(ended).toMatchObject({ state: 'FAILED', endReason: 'NO_ANSWER' });
    expect(ended.playbacks.map((p) => p.status)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  onV1Only('keeps the hangup that follows the timeout in the log, and it changes nothing', async () => {
    const service = await startTestService();
    const call = await placeCall(service, { to: NO_ANSWER, callTimeoutSeconds: 1 });
    // The call and its log are separate reads: wait for both to show the end, as the test before the split did.
    await untilEnded(service, call.id);
    const logged = await waitForCall(service, call.id, 'the trailing hangup', (c) => c.events!.some((e) => e.type === 'hangup'));
    expect(logged).toMatchObject({ state: 'FAILED', endReason: 'NO_ANSWER' });
    const hangup = logged.events!.find((e) => e.type === 'hangup')!;
    expect(hangup.applied).toBe(false);
  });
});

forEachSetup('ending a call', () => {
  it('cancels a call hung up before it is answered, and nothing plays', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const call = await placeCall(service, { to: ANSWERS });
    const { data } = await service.gql<{ hangUpCall: CallView }>(HANG_UP, { callId: call.id });
    expect(data!.hangUpCall).toMatchObject({ state: 'COMPLETED', endReason: 'CANCELLED' });
    expect(data!.hangUpCall.playbacks.map((p) => p.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(await simulatedCallState(service.sim, call.bandwidthCallId!)).toBe('completed');
    expect(await audioRequestCount(service, call.bandwidthCallId!)).toBe(0);
  });

  it('completes when the far end hangs up mid-file, and nothing is left to play', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { remoteHangupDelayMs: 200 });
    const call = await placeCall(service, { to: HANGS_UP });
    const ended = await untilEnded(service, call.id);
    expect(ended).toMatchObject({ state: 'COMPLETED', endReason: 'HANGUP', hangupCause: hangupCause('NORMAL_CLEARING') });
    expect(ended.answeredAt).not.toBeNull();
    // Bandwidth may report the cut-off file `done` just before the hangup, and the next file may
    // be requested in that instant: whatever the order, nothing is left queued or playing.
    const [greeting, menu] = ended.playbacks.map((p) => p.status);
    expect(['DONE', 'STOPPED']).toContain(greeting);
    expect(['STOPPED', 'CANCELLED', 'FAILED']).toContain(menu);
  });

  it('refuses to hang up a call that has already ended', async () => {
    const service = await startTestService();
    const call = await placeCall(service, { to: BUSY });
    await untilEnded(service, call.id);
    const { errors } = await service.gql(HANG_UP, { callId: call.id });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'CALL_NOT_ACTIVE', callId: call.id, state: 'FAILED' });
  });
});
