import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, BUSY, CREATE_CALL, FROM, PLAY_AUDIO, STOP_AUDIO, file, type CallView } from './support/documents.js';
import { audioCommands } from './support/bandwidth-api.js';
import { disposeAll, startTestService, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

async function answeredCall(service: TestService, audio: Array<{ fileUrl: string; loop?: boolean }>): Promise<CallView> {
  const { data, errors } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS, audio } });
  expect(errors).toBeUndefined();
  const call = data!.createCall;
  await waitForCall(service, call.id, 'answered', (c) => c.state === 'ACTIVE');
  return call;
}

forEachSetup('stopAudio', () => {
  it('stops the file that plays, clears the queue, and keeps the call up', async () => {
    const service = await startTestService();
    const call = await answeredCall(service, [{ fileUrl: file('hold-music'), loop: true }, { fileUrl: file('never') }]);
    await waitForCall(service, call.id, 'looping file playing', (c) => c.playbacks[0]!.status === 'PLAYING');

    const { data } = await service.gql<{ stopAudio: CallView }>(STOP_AUDIO, { callId: call.id });
    expect(data!.stopAudio.state).toBe('ACTIVE');
    expect(data!.stopAudio.nowPlaying).toBeNull();
    expect(data!.stopAudio.playbacks.map((p) => p.status)).toEqual(['STOPPED', 'CANCELLED']);

    await service.server.service.idle();
    expect(await audioCommands(service.sim, call.bandwidthCallId!)).toEqual([file('hold-music'), '']);
  });
});

forEachSetup('playAudio', () => {
  it('plays at once on an answered call with nothing playing', async () => {
    const service = await startTestService();
    const call = await answeredCall(service, []);
    const { data, errors } = await service.gql<{ playAudio: { id: string; status: string } }>(PLAY_AUDIO, {
      input: { callId: call.id, fileUrl: file('now', 50) },
    });
    expect(errors).toBeUndefined();
    expect(data!.playAudio.status).toBe('PLAYING');
    await waitForCall(service, call.id, 'the file to finish', (c) => c.playbacks[0]?.status === 'DONE');
  });

  it('queues behind the file that plays', async () => {
    const service = await startTestService();
    const call = await answeredCall(service, [{ fileUrl: file('first', 300) }]);
    const { data } = await service.gql<{ playAudio: { id: string; status: string } }>(PLAY_AUDIO, {
      input: { callId: call.id, fileUrl: file('second', 50) },
    });
    expect(data!.playAudio.status).toBe('QUEUED');
    const done = await waitForCall(service, call.id, 'both to finish', (c) => c.playbacks.every((p) => p.status === 'DONE'));
    expect(done.playbacks.map((p) => p.fileUrl)).toEqual([file('first', 300), file('second', 50)]);
  });

  it('with interrupt, replaces what plays and keeps the rest of the queue after it', async () => {
    const service = await startTestService();
    const call = await answeredCall(service, [{ fileUrl: file('long', 5000) }, { fileUrl: file('after', 50) }]);
    await waitForCall(service, call.id, 'the long file playing', (c) => c.nowPlaying?.fileUrl === file('long', 5000));

    const { data } = await service.gql<{ playAudio: { id: string; status: string } }>(PLAY_AUDIO, {
      input: { callId: call.id, fileUrl: file('urgent', 50), interrupt: true },
    });
    expect(data!.playAudio.status).toBe('PLAYING');

    const done = await waitForCall(service, call.id, 'the queue to drain', (c) =>
      c.playbacks.every((p) => p.status !== 'QUEUED' && p.status !== 'PLAYING'),
    );
    expect(done.playbacks.map((p) => [p.fileUrl, p.status])).toEqual([
      [file('urgent', 50), 'DONE'],
      [file('long', 5000), 'STOPPED'],
      [file('after', 50), 'DONE'],
    ]);
    expect(await audioCommands(service.sim, call.bandwidthCallId!)).toEqual([file('long', 5000), '', file('urgent', 50), file('after', 50)]);
  });

  it('refuses audio on a call that has ended', async () => {
    const service = await startTestService();
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: BUSY } });
    const call = data!.createCall;
    await waitForCall(service, call.id, 'busy', (c) => c.state === 'FAILED');
    const { errors } = await service.gql(PLAY_AUDIO, { input: { callId: call.id, fileUrl: file('late') } });
    expect(errors?.[0]?.extensions?.code).toBe('CALL_NOT_ACTIVE');
    const after = await waitForCall(service, call.id, 'unchanged', () => true);
    expect(after.playbacks).toHaveLength(0);
  });
});
