import type { Logger } from 'pino';
import type { AudioItem } from './audio-channel.js';
import type { CallbackBody, CallbackHttpMethod } from './callback-attempt.js';
import type { CallbackFaults } from './callback-faults.js';
import type { CallbackAttemptRecord } from './callback-queue.js';
import type { CallFormat, EventContext } from './call-format.js';
import { conventionFor } from './conventions.js';
import { planFarEnd, type FarEndOutcome, type FarEndPlan, type FarEndScript } from './far-end.js';
import { newCallId } from './ids.js';
import type { SimulatorSettings } from './settings.js';
import { SimCall, type CallAudioHooks, type CallInit, type CallState } from './sim-call.js';

/** Incoming calls get the default per-call delivery settings: an application's are not simulated. */
const INCOMING_CALLBACK_TIMEOUT_MS = 10_000;

/** The hangup cause each failing far end produces. */
const FAILURE_CAUSES: Partial<Record<FarEndOutcome, string>> = {
  busy: 'USER_BUSY',
  reject: 'CALL_REJECTED',
  unallocated: 'UNALLOCATED_NUMBER',
};

export type AudioKind = 'playback' | 'speak';

interface OutboundCallRequest {
  from: string;
  to: string;
  callTimeout: number;
  callbackUrl?: string;
  fallbackUrl?: string;
  callbackHttpMethod: CallbackHttpMethod;
  callbackTimeout: number;
  tag?: string;
  /** The API version the call is placed through; the engine's default format when absent. */
  format?: CallFormat;
  /** The API version's own data about the call (see `SimCall.data`). */
  data?: unknown;
}

interface IncomingCallRequest {
  from: string;
  to: string;
  /**
   * Where the `incomingcall` event and every later event of the call go; may carry credentials.
   * Absent for an API version that delivers its events itself (`CallFormat.announce`).
   */
  url?: string;
  format?: CallFormat;
  data?: unknown;
  /** Milliseconds the receiver may take to answer each callback; 10 s when absent. */
  callbackTimeoutMs?: number;
}

export interface CallEngineOptions {
  /** Shared with the control API, which changes it in place. */
  settings: SimulatorSettings;
  /** How the calls of the default API version (v1) are named and their callbacks worded; a call may bring its own. */
  format: CallFormat;
  /** Shared with the control API, which changes it; every call's callbacks obey it. */
  callbackFaults: CallbackFaults;
  logger?: Logger;
}

/**
 * The simulated telephone network: it holds the calls, drives their far ends, plays their audio
 * and announces every change to the call's callback URL.
 *
 * Methods that change a call assume the caller checked the change is allowed; the API and the
 * control routes each phrase refusals in their own way.
 */
export class CallEngine {
  private baseUrl = '';
  private readonly calls = new Map<string, SimCall>();
  private readonly scripts = new Map<string, FarEndScript>();

  constructor(private readonly options: CallEngineOptions) {}

  /** Known only once the server listens; every `callUri` and `Location` is built from it. */
  setBaseUrl(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  callUri(call: SimCall): string {
    return call.format.callUri(this.baseUrl, call);
  }

  /** The call as its API returns it. */
  apiView(call: SimCall): Record<string, unknown> {
    return call.format.view(call, this.callUri(call));
  }

  getCall(callId: string): SimCall | undefined {
    return this.calls.get(callId);
  }

  listCalls(): SimCall[] {
    return [...this.calls.values()];
  }

  setScript(to: string, script: FarEndScript): void {
    this.scripts.set(to, script);
  }

  deleteScript(to: string): boolean {
    return this.scripts.delete(to);
  }

  listScripts(): { to: string; script: FarEndScript }[] {
    return [...this.scripts].map(([to, script]) => ({ to, script }));
  }

  /** The far end a new call to `to` gets: its script if one is set, else the number's convention. */
  farEndFor(to: string, callTimeoutSeconds: number): FarEndPlan {
    const script = this.scripts.get(to) ?? conventionFor(to, this.options.settings);
    return planFarEnd(script, this.options.settings, callTimeoutSeconds);
  }

  /**
   * Places an outbound call and starts its far end. `ready` resolves once the call may be reported
   * to the client: at once, or after the `answer` callback when the far end answers that early.
   */
  placeOutbound(request: OutboundCallRequest, plan: FarEndPlan): { call: SimCall; ready: Promise<unknown> } {
    const call = this.register({ ...request, id: request.format?.newCallId?.() ?? newCallId(), direction: 'out' });
    call.stopRinging = call.timers.after(plan.ringTimeoutMs, () => void this.timeOut(call));
    return { call, ready: this.startFarEnd(call, plan) };
  }

  /** Announces a new incoming call; `delivered` resolves once the `incomingcall` delivery is over. */
  receiveIncoming(request: IncomingCallRequest): { call: SimCall; delivered: Promise<unknown> } {
    const call = this.register({
      id: request.format?.newCallId?.() ?? newCallId(),
      direction: 'in',
      from: request.from,
      to: request.to,
      callbackUrl: request.url,
      callbackHttpMethod: 'post',
      callbackTimeout: request.callbackTimeoutMs ?? INCOMING_CALLBACK_TIMEOUT_MS,
      format: request.format,
      data: request.data,
    });
    const delivered = this.announce(call, call.format.incomingCall(call, this.context(call, call.startTime)));
    return { call, delivered };
  }

  /** Answers a ringing call (either side picking up). */
  answer(call: SimCall): Promise<unknown> {
    call.stopRinging?.();
    call.stopRinging = undefined;
    const time = new Date();
    call.state = 'active';
    call.activeTime = time;
    call.addLogEntry('answer', undefined, time);
    return this.announce(call, call.format.answer(call, this.context(call, time)));
  }

  /**
   * Ends the call: pending far-end actions are cancelled and audio that plays is reported `done`
   * before the `hangup`. Resolves once the `hangup` delivery is over.
   */
  end(call: SimCall, cause: string, finalState: Extract<CallState, 'completed' | 'rejected'> = 'completed'): Promise<unknown> {
    if (call.ended) return Promise.resolve();
    call.timers.clearAll();
    call.stopRinging = undefined;
    call.playback.silence();
    call.speech.silence();
    const time = new Date();
    call.state = finalState;
    call.endTime = time;
    call.endCause = cause;
    call.addLogEntry('hangup', cause, time);
    return this.announce(call, call.format.hangup(call, cause, this.context(call, time)));
  }

  /** The caller pressed a key. */
  pressDigit(call: SimCall, digit: string): Promise<unknown> {
    const time = new Date();
    call.addLogEntry('dtmf', digit, time);
    return this.announce(call, call.format.dtmf(call, digit, this.context(call, time)));
  }

  playAudio(call: SimCall, kind: AudioKind, item: AudioItem): void {
    this.channel(call, kind).play(item, this.options.settings.audioOverlap);
  }

  /** False when nothing of that kind was playing. */
  stopAudio(call: SimCall, kind: AudioKind): boolean {
    return this.channel(call, kind).stop();
  }

  /** Sends the body of callback attempt `index` again, through the call's queue; undefined if unknown. */
  redeliver(call: SimCall, index: number): Promise<CallbackAttemptRecord[]> | undefined {
    const delivery = call.callbacks.deliveryOf(index);
    return delivery ? call.callbacks.redeliver(delivery) : undefined;
  }

  /** Forgets every call and script; their timers and deliveries stop. */
  reset(): void {
    for (const call of this.calls.values()) call.dispose();
    this.calls.clear();
    this.scripts.clear();
  }

  private register(init: CallInit): SimCall {
    const call = new SimCall({ ...init, format: init.format ?? this.options.format }, (owner) => this.audioHooks(owner), this.options.callbackFaults, this.options.logger);
    this.calls.set(call.id, call);
    call.addLogEntry('create', undefined, call.startTime);
    return call;
  }

  private startFarEnd(call: SimCall, plan: FarEndPlan): Promise<unknown> {
    if (plan.outcome === 'answer') {
      if (plan.answerBeforeCreateResponse) return this.farEndAnswers(call, plan);
      call.timers.after(plan.afterMs, () => void this.farEndAnswers(call, plan));
      return Promise.resolve();
    }
    const cause = FAILURE_CAUSES[plan.outcome];
    // `no-answer` needs nothing: the ring timeout set up with the call ends it.
    if (cause !== undefined) call.timers.after(plan.afterMs, () => void this.end(call, cause));
    return Promise.resolve();
  }

  private farEndAnswers(call: SimCall, plan: FarEndPlan): Promise<unknown> {
    if (call.state !== 'started') return Promise.resolve();
    const delivered = this.answer(call);
    const { hangupAfterMs } = plan;
    if (hangupAfterMs !== undefined) call.timers.after(hangupAfterMs, () => void this.end(call, 'NORMAL_CLEARING'));
    return delivered;
  }

  private timeOut(call: SimCall): Promise<unknown> {
    if (call.state !== 'started') return Promise.resolve();
    const time = new Date();
    call.addLogEntry('timeout', undefined, time);
    void this.announce(call, call.format.timeout(call, this.context(call, time)));
    return this.end(call, 'NO_ANSWER');
  }

  private channel(call: SimCall, kind: AudioKind): SimCall['playback'] {
    return kind === 'playback' ? call.playback : call.speech;
  }

  private audioHooks(call: SimCall): CallAudioHooks {
    const report = (kind: AudioKind, status: 'started' | 'done') => (item: AudioItem) => {
      const time = new Date();
      call.addLogEntry(kind, status === 'started' ? 'start' : 'done', time);
      const context = this.context(call, time);
      const { format } = call;
      const body = kind === 'playback' ? format.playback(call, item, status, context) : format.speak(call, item, status, context);
      void this.announce(call, body);
    };
    return {
      playback: { started: report('playback', 'started'), done: report('playback', 'done') },
      speak: { started: report('speak', 'started'), done: report('speak', 'done') },
    };
  }

  private context(call: SimCall, time: Date): EventContext {
    return { callUri: this.callUri(call), time };
  }

  /**
   * Queues the event for the call's callback URL; a call without one simply has nobody listening.
   * A format that delivers its events itself gets them instead; one without such an event, nothing.
   */
  private announce(call: SimCall, body: CallbackBody | undefined): Promise<unknown> {
    if (body === undefined) return Promise.resolve();
    if (call.format.announce) return call.format.announce(call, body);
    if (call.callbackUrl === undefined) {
      this.options.logger?.debug({ callId: call.id, eventType: body.eventType }, 'no callbackUrl: event not delivered');
      return Promise.resolve();
    }
    return call.callbacks.enqueue({
      eventType: String(body.eventType),
      body,
      url: call.callbackUrl,
      fallbackUrl: call.fallbackUrl,
      method: call.callbackHttpMethod,
      timeoutMs: call.callbackTimeout,
      userAgent: call.format.callbackUserAgent,
    });
  }
}
