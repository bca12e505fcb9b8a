import { CallService, type CallServiceOptions } from '../../src/calls/call-service.js';
import type { DomainLogger } from '../../src/calls/domain-logger.js';
import type { CallRecord } from '../../src/calls/call.js';
import { InMemoryCallStore } from './in-memory-call-store.js';
import { ManualClock } from './manual-clock.js';
import { providerEvents, type ProviderEvents } from './provider-events.js';
import { RecordingChangeNotifier } from './recording-change-notifier.js';
import { ScriptedVoiceGateway } from './scripted-voice-gateway.js';

/**
 * The call domain on its own, for tests that drive {@link CallService} directly: an in-memory
 * store, a scripted provider, a recording notifier and a clock that moves when told.
 */
export interface CallDomain {
  service: CallService;
  store: InMemoryCallStore;
  gateway: ScriptedVoiceGateway;
  notifier: RecordingChangeNotifier;
  clock: ManualClock;
  /** Provider events stamped with the domain's clock. */
  bw: ProviderEvents;
  /** A new service on the same store and provider, as after a restart; the old one is stopped first. */
  restart(options?: Partial<CallServiceOptions>): CallService;
  /** The call as committed. */
  call(id: string): Promise<CallRecord>;
  /** The types of a call's log, in sequence order. */
  log(id: string): Promise<string[]>;
}

export const FROM = '+19195550100';
export const TO = '+19195550123';
export const fileUrl = (name: string): string => `https://audio.example/${name}.mp3`;

export const silentLogger: DomainLogger = { debug() {}, info() {}, warn() {}, error() {} };

const running = new Set<CallService>();

/** Stops every service started since the last call (its dialler and outbox sweep hold timers); run it after each test. */
export function stopServices(): void {
  for (const service of running) service.stop();
  running.clear();
}

export function callDomain(options: Partial<CallServiceOptions> = {}): CallDomain {
  const store = new InMemoryCallStore();
  const gateway = new ScriptedVoiceGateway();
  const notifier = new RecordingChangeNotifier();
  const clock = new ManualClock();
  const start = (overrides: Partial<CallServiceOptions>): CallService => {
    const service = new CallService({
      store,
      gateway,
      notifier,
      logger: silentLogger,
      callbackUrl: () => 'https://bandwidth:webhook-secret@calls.example/webhooks/bandwidth',
      // No pacing (the pacing has tests of its own): at any finite rate, two calls placed within
      // the same millisecond would leave the second one QUEUED for a timer.
      callsPerSecond: Infinity,
      instanceId: 'instance-a',
      clock: clock.now,
      ...options,
      ...overrides,
    });
    running.add(service);
    return service;
  };
  const domain: CallDomain = {
    service: start({}),
    store,
    gateway,
    notifier,
    clock,
    bw: providerEvents(clock.now),
    restart(overrides = {}) {
      domain.service.stop();
      domain.service = start(overrides);
      return domain.service;
    },
    async call(id) {
      const call = await store.getCall(id);
      if (!call) throw new Error(`no call ${id}`);
      return call;
    },
    async log(id) {
      return (await store.listEvents(id, 0, 10_000)).map((event) => event.type);
    },
  };
  return domain;
}

/**
 * Waits until `condition` holds, letting pending promises, immediates and timers run; fails after
 * `timeoutMs` (a second unless a timer of the domain's own must run first), so a wait for
 * something that never comes fails fast.
 */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Places a call with `audio` queued; the provider accepts it, so it comes back RINGING. */
export async function placeCall(domain: CallDomain, audio: string[] = []): Promise<CallRecord> {
  return domain.service.createCall({ from: FROM, to: TO, audio: audio.map((name) => ({ fileUrl: fileUrl(name) })) });
}

/** Places a call with `audio` queued and has the far end answer it; the first file's request has been made. */
export async function answeredCall(domain: CallDomain, audio: string[] = []): Promise<CallRecord> {
  const call = await placeCall(domain, audio);
  await domain.service.ingest(domain.bw.answer(call));
  await domain.service.idle();
  return domain.call(call.id);
}
