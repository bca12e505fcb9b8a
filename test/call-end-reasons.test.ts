import { afterEach, expect, it } from '@jest/globals';
import { CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { BANDWIDTH_API } from './support/bandwidth-api.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

type Ending = [state: 'COMPLETED' | 'FAILED', endReason: string];

/**
 * Every cause Bandwidth documents for a call's end, before and after the answer, and the state
 * and end reason each one gives. v1: its `hangup` causes, "anything else = internal error".
 * v2: the `disconnect` causes of its callback reference (§8.6 of docs/bandwidth-v2.md).
 */
const CAUSES: Record<'v1' | 'v2', Array<[cause: string, beforeAnswer: Ending, afterAnswer: Ending]>> = {
  v1: [
    ['NORMAL_CLEARING', ['COMPLETED', 'CANCELLED'], ['COMPLETED', 'HANGUP']],
    ['ORIGINATOR_CANCEL', ['COMPLETED', 'CANCELLED'], ['COMPLETED', 'HANGUP']],
    ['USER_BUSY', ['FAILED', 'BUSY'], ['FAILED', 'BUSY']],
    ['CALL_REJECTED', ['FAILED', 'REJECTED'], ['FAILED', 'REJECTED']],
    ['NO_ANSWER', ['FAILED', 'NO_ANSWER'], ['FAILED', 'NO_ANSWER']],
    ['UNALLOCATED_NUMBER', ['FAILED', 'UNREACHABLE'], ['FAILED', 'UNREACHABLE']],
    ['NORMAL_TEMPORARY_FAILURE', ['FAILED', 'UNREACHABLE'], ['FAILED', 'UNREACHABLE']],
    ['RECOVERY_ON_TIMER_EXPIRE', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
  ],
  v2: [
    ['hangup', ['COMPLETED', 'CANCELLED'], ['COMPLETED', 'HANGUP']],
    ['cancel', ['COMPLETED', 'CANCELLED'], ['COMPLETED', 'HANGUP']],
    ['busy', ['FAILED', 'BUSY'], ['FAILED', 'BUSY']],
    ['rejected', ['FAILED', 'REJECTED'], ['FAILED', 'REJECTED']],
    ['timeout', ['FAILED', 'NO_ANSWER'], ['FAILED', 'NO_ANSWER']],
    ['callback-error', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['invalid-bxml', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['application-error', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['account-limit', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['node-capacity-exceeded', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['error', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
    ['unknown', ['FAILED', 'ERROR'], ['FAILED', 'ERROR']],
  ],
};

/** A number whose far end rings until the test acts, one per case so the cases run side by side. */
const RINGS = (index: number): string => `+1919555${String(7000 + index)}`;

async function endWith(service: TestService, index: number, cause: string, answered: boolean): Promise<CallView> {
  const to = RINGS(index);
  await service.sim('PUT', `/control/scripts/${encodeURIComponent(to)}`, { outcome: 'answer', afterMs: 60_000 });
  const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to } });
  expect(errors).toBeUndefined();
  const id = data!.createCall.id;
  const ringing = await waitForCall(service, id, `call ${id} to ring`, (c) => c.state === 'RINGING' && Boolean(c.bandwidthCallId));
  const bandwidthCallId = ringing.bandwidthCallId!;
  if (answered) {
    await service.sim('POST', `/control/calls/${bandwidthCallId}/answer`);
    await waitForCall(service, id, `call ${id} to be answered`, (c) => c.state === 'ACTIVE');
  }
  await service.sim('POST', `/control/calls/${bandwidthCallId}/hangup`, { cause });
  return waitForCall(service, id, `call ${id} to end`, (c) => Boolean(c.endedAt));
}

// The mapping lives above the store; one backend proves it on each API.
forEachSetup('how a call ends, for every cause Bandwidth documents', { backends: ['sqlite'] }, () => {
  it('gives each cause, before and after the answer, one state and end reason, and keeps Bandwidth’s word', async () => {
    const service = await startTestService();
    const rows = CAUSES[BANDWIDTH_API];
    const cases = rows.flatMap(([cause, before, after], row) => [
      { cause, answered: false, expected: before, index: 2 * row },
      { cause, answered: true, expected: after, index: 2 * row + 1 },
    ]);
    const ended = await Promise.all(cases.map(({ cause, answered, index }) => endWith(service, index, cause, answered)));
    const seen = cases.map(({ cause, answered }, i) => [cause, answered, ended[i].state, ended[i].endReason, ended[i].hangupCause]);
    expect(seen).toEqual(cases.map(({ cause, answered, expected }) => [cause, answered, ...expected, cause]));
  });
});
