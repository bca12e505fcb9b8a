import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CallError } from '../../src/calls/call-errors.js';
import type { ProviderEvent } from '../../src/calls/call-signal.js';
import { isTerminal, type CallRecord } from '../../src/calls/call.js';
import type { CreateProviderCall, DialledCall, ProviderCallStatus, VoiceGateway } from '../../src/calls/voice-gateway.js';
import { FROM, TO, callDomain, fileUrl, stopServices, type CallDomain } from '../support/call-domain.js';
import type { GatewayRequestKind, ScriptedVoiceGateway } from '../support/scripted-voice-gateway.js';

/**
 * Properties of the call domain under random interleavings of provider events (some delivered
 * twice at once, some again later), API commands, provider failures and restarts. fast-check
 * picks a fresh seed each run and prints it with the smallest failing sequence when a property
 * fails; pass it back as `{ seed }` to replay.
 */
afterEach(stopServices);

const RUNS = 100;

type CallIndex = 0 | 1;
type Command =
  | { kind: 'answer' | 'timeout' | 'dtmf'; call: CallIndex; copies: number; wait: boolean }
  | { kind: 'started' | 'done'; call: CallIndex; file: number; copies: number; wait: boolean }
  | { kind: 'hangup'; call: CallIndex; cause: string; copies: number; wait: boolean }
  | { kind: 'redeliver'; index: number; wait: boolean }
  | { kind: 'play'; call: CallIndex; loop: boolean; interrupt: boolean; wait: boolean }
  | { kind: 'stop' | 'hangUpCall' | 'answerCall'; call: CallIndex; wait: boolean }
  | { kind: 'fail'; request: GatewayRequestKind; code: string }
  /** The provider sits on the next request of a kind until a `release`: it is in flight meanwhile. */
  | { kind: 'hold'; request: GatewayRequestKind }
  | { kind: 'release' }
  | { kind: 'restart' };

const call = fc.constantFrom<CallIndex>(0, 1);
const copies = fc.integer({ min: 1, max: 2 });
const wait = fc.boolean();
const request = fc.constantFrom<GatewayRequestKind>('playAudio', 'stopAudio', 'hangUp', 'answer');
// Weighted so that calls get answered and play a while before something ends them.
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer'), call, copies, wait }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('timeout', 'dtmf'), call, copies, wait }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('started', 'done'), call, file: fc.nat(3), copies, wait }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hangup'),
      call,
      cause: fc.constantFrom('NORMAL_CLEARING', 'USER_BUSY', 'ORIGINATOR_CANCEL'),
      copies,
      wait,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver'), index: fc.nat(), wait }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('play'), call, loop: fc.boolean(), interrupt: fc.boolean(), wait }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('stop', 'hangUpCall'), call, wait }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('answerCall'), call, wait }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fail'),
      request,
      code: fc.constantFrom('call-audio-invalid-state', 'call-invalid-state', 'media-unavailable'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold'), request }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'release' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'restart' }) },
);

/**
 * The provider as one instance reaches it. Once the instance "dies", its requests never get there
 * and the answers to those already sent never come back: they hang, as a killed process's would.
 */
class InstanceGateway implements VoiceGateway {
  private state = { dead: false };
  constructor(
    private readonly provider: VoiceGateway,
    state?: { dead: boolean },
  ) {
    if (state) this.state = state;
  }
  die(): void {
    this.state.dead = true;
  }
  private reach<T>(send: () => Promise<T>): Promise<T> {
    const never = new Promise<T>(() => {});
    if (this.state.dead) return never;
    return send().then(
      (answer) => (this.state.dead ? never : answer),
      (error: unknown) => (this.state.dead ? never : Promise.reject(error)),
    );
  }
  forCall(callId: string): VoiceGateway {
    return new InstanceGateway(this.provider.forCall(callId), this.state);
  }
  createCall(request: CreateProviderCall): Promise<{ providerCallId: string }> {
    return this.reach(() => this.provider.createCall(request));
  }
  answer(id: string): Promise<void> {
    return this.reach(() => this.provider.answer(id));
  }
  hangUp(id: string): Promise<void> {
    return this.reach(() => this.provider.hangUp(id));
  }
  playAudio(id: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void> {
    return this.reach(() => this.provider.playAudio(id, audio));
  }
  stopAudio(id: string): Promise<void> {
    return this.reach(() => this.provider.stopAudio(id));
  }
  getCallStatus(id: string): Promise<ProviderCallStatus | null> {
    return this.reach(() => this.provider.getCallStatus(id));
  }
  get defaultCallTimeoutSeconds(): number {
    return this.provider.defaultCallTimeoutSeconds;
  }
  get reportsPlaybackStart(): boolean {
    return this.provider.reportsPlaybackStart;
  }
  findCallByTag(tag: string, dialled: DialledCall): Promise<ProviderCallStatus | null> {
    return this.reach(() => this.provider.findCallByTag(tag, dialled));
  }
}

/** A restart: where the provider's request log stood, and which files were in doubt (asked to play, never reported started). */
interface Restart {
  requestsBefore: number;
  inDoubt: Set<string>;
}

interface Run {
  domain: CallDomain;
  calls: CallRecord[];
  restarts: Restart[];
  /** Every provider event delivered so far, for later redeliveries. */
  delivered: ProviderEvent[];
  /** Commands started by the instance now running and not awaited yet. */
  pending: Array<Promise<unknown>>;
  /** Anything but a CallError the domain threw at a caller. */
  unexpected: unknown[];
  instance: InstanceGateway;
  /** Releases of the requests the provider sits on. */
  holds: Array<() => void>;
}

async function startRun(): Promise<Run> {
  const domain = callDomain();
  const instance = new InstanceGateway(domain.gateway);
  domain.restart({ gateway: instance });
  const audio = [{ fileUrl: fileUrl('one') }, { fileUrl: fileUrl('two') }];
  const outbound = await domain.service.createCall({ from: FROM, to: TO, audio });
  const incoming = await domain.service.ingest(domain.bw.incoming('c-inbound', '+13233326955', FROM));
  if (incoming.status !== 'applied') throw new Error('the inbound call was not created');
  await domain.service.playAudio({ callId: incoming.callId, fileUrl: fileUrl('welcome') });
  const inbound = await domain.call(incoming.callId);
  return { domain, calls: [outbound, inbound], restarts: [], delivered: [], pending: [], unexpected: [], instance, holds: [] };
}

/** The tags of the files the provider was asked to play on a call, so playback events name real files. */
function playedOn(gateway: ScriptedVoiceGateway, callId: string): string[] {
  return gateway.requestsOf('playAudio').filter((r) => r.callId === callId).map((r) => r.audio.tag);
}

function eventFor(run: Run, cmd: Extract<Command, { copies: number }>): ProviderEvent | undefined {
  const { bw, gateway } = run.domain;
  const target = run.calls[cmd.call]!;
  switch (cmd.kind) {
    case 'answer':
      return bw.answer(target);
    case 'timeout':
      return bw.timeout(target);
    case 'dtmf':
      return bw.dtmf(target);
    case 'hangup':
      return bw.hangup(target, cmd.cause);
    case 'started':
    case 'done': {
      const tags = playedOn(gateway, target.id);
      if (tags.length === 0) return undefined;
      const tag = tags[cmd.file % tags.length]!;
      return cmd.kind === 'started' ? bw.playbackStarted(target, tag) : bw.playbackDone(target, tag);
    }
  }
}

async function perform(run: Run, cmd: Command): Promise<void> {
  const { domain } = run;
  domain.clock.advance(50);
  const track = (work: Promise<unknown>, wait: boolean): Promise<unknown> => {
    const settled = work.catch((error: unknown) => {
      if (!(error instanceof CallError)) run.unexpected.push(error);
    });
    run.pending.push(settled);
    // A command may wait for a request the provider sits on (a hangup queued behind a held play):
    // it runs on while something is held, or the run would wait for a release that comes after it.
    return wait && run.holds.length === 0 ? settled : Promise.resolve();
  };
  const service = domain.service;
  switch (cmd.kind) {
    case 'answer':
    case 'timeout':
    case 'dtmf':
    case 'hangup':
    case 'started':
    case 'done': {
      const event = eventFor(run, cmd);
      if (!event) return;
      run.delivered.push(event);
      await Promise.all(Array.from({ length: cmd.copies }, () => track(service.ingest(event), cmd.wait)));
      return;
    }
    case 'redeliver': {
      const event = run.delivered[cmd.index % Math.max(1, run.delivered.length)];
      if (event) await track(service.ingest(event), cmd.wait);
      return;
    }
    case 'play':
      await track(
        service.playAudio({ callId: run.calls[cmd.call]!.id, fileUrl: fileUrl('more'), loop: cmd.loop, interrupt: cmd.interrupt }),
        cmd.wait,
      );
      return;
    case 'stop':
      await track(service.stopAudio(run.calls[cmd.call]!.id), cmd.wait);
      return;
    case 'hangUpCall':
      await track(service.hangUpCall(run.calls[cmd.call]!.id), cmd.wait);
      return;
    case 'answerCall':
      await track(service.answerCall(run.calls[cmd.call]!.id), cmd.wait);
      return;
    case 'fail':
      domain.gateway.fail(cmd.request, { code: cmd.code, status: 403 });
      return;
    case 'hold':
      run.holds.push(domain.gateway.hold(cmd.request, 1));
      return;
    case 'release':
      for (const release of run.holds.splice(0)) release();
      return;
    case 'restart': {
      run.instance.die();
      const requestsBefore = domain.gateway.requests.length;
      const inDoubt = new Set<string>();
      for (const c of run.calls) {
        for (const p of await domain.store.listPlaybacks(c.id)) if (p.status === 'PLAYING' && !p.startedAt) inDoubt.add(p.id);
      }
      run.restarts.push({ requestsBefore, inDoubt });
      // What the dead instance still had going never finishes; only the new one's commands are awaited.
      run.pending = [];
      run.instance = new InstanceGateway(domain.gateway);
      await domain.restart({ gateway: run.instance }).resume();
      return;
    }
  }
}

async function finish(run: Run): Promise<void> {
  for (const release of run.holds.splice(0)) release();
  await Promise.all(run.pending);
  await run.domain.service.idle();
  expect(run.unexpected).toEqual([]);
}

function runCommands(check: (run: Run) => Promise<void>): Promise<void> {
  return fc.assert(
    fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
      const run = await startRun();
      try {
        for (const cmd of commands) await perform(run, cmd);
        await finish(run);
        await check(run);
      } finally {
        stopServices();
      }
    }),
    // A run that hangs fails with its commands instead of timing the whole test out.
    { numRuns: RUNS, timeout: 2000 },
  );
}

describe('under any interleaving of provider events, commands, failures and restarts', () => {
  it('never asks the provider to play a file twice, but to resend a play a restart found in doubt', async () => {
    await runCommands(async ({ domain, restarts }) => {
      const requests = domain.gateway.requests;
      const sentAt = new Map<string, number[]>();
      requests.forEach((request, index) => {
        if (request.kind === 'playAudio') sentAt.set(request.audio.tag, [...(sentAt.get(request.audio.tag) ?? []), index]);
      });
      for (const [tag, indices] of sentAt) {
        for (let i = 1; i < indices.length; i += 1) {
          const [previous, current] = [indices[i - 1]!, indices[i]!];
          const between = restarts.filter((r) => previous < r.requestsBefore && r.requestsBefore <= current);
          expect({ tag, resentAfterARestartThatFoundItInDoubt: between.some((r) => r.inDoubt.has(tag)) }).toEqual({
            tag,
            resentAfterARestartThatFoundItInDoubt: true,
          });
        }
      }
    });
  });

  it("numbers each call's log 1..lastSequence, every number exactly once", async () => {
    await runCommands(async ({ domain, calls }) => {
      for (const { id } of calls) {
        const call = await domain.call(id);
        const sequences = (await domain.store.listEvents(id, 0, 100_000)).map((event) => event.sequence);
        expect(sequences).toEqual(Array.from({ length: call.lastSequence }, (_, i) => i + 1));
      }
    });
  });

  it('never moves an ended call: its state, endReason and endedAt stay as they were when it ended', async () => {
    await runCommands(async ({ domain, calls }) => {
      for (const { id } of calls) {
        const seen = [...domain.notifier.of(id).map((change) => change.call), await domain.call(id)].sort(
          (a, b) => a.lastSequence - b.lastSequence,
        );
        const ended = seen.find((c) => isTerminal(c.state));
        if (!ended) continue;
        const ending = (c: CallRecord) => ({ state: c.state, endReason: c.endReason, endedAt: c.endedAt?.getTime() });
        for (const later of seen.filter((c) => c.lastSequence >= ended.lastSequence)) expect(ending(later)).toEqual(ending(ended));
      }
    });
  });
});
