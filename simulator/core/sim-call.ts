import type { Logger } from 'pino';
import { AudioChannel, type AudioChannelHooks } from './audio-channel.js';
import type { CallbackHttpMethod } from './callback-attempt.js';
import type { CallbackFaults } from './callback-faults.js';
import { CallbackQueue } from './callback-queue.js';
import { CallTimers } from './call-timers.js';
import type { CallFormat } from './call-format.js';
import { newCallEventId } from './ids.js';

export type CallDirection = 'in' | 'out';

/**
 * Call states the simulator reaches, named as v1 names them (`transferring` is not simulated); the
 * control API shows them, and another API version would map them to its own.
 */
export type CallState = 'started' | 'active' | 'rejected' | 'completed';

/** One entry of the internal log served by `GET …/calls/{id}/events` (not a callback payload). */
interface CallLogEntry {
  id: string;
  time: string;
  name: string;
  data?: string;
}

/** An audio request as received, kept so tests can see what the service asked for. */
export interface AudioRequestRecord {
  at: string;
  body: unknown;
  status: number;
  /** The error code when the request was refused. */
  code?: string;
}

/** The properties a call is created with. */
export interface CallInit {
  id: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** Seconds; absent on incoming calls, which the simulator never times out. */
  callTimeout?: number;
  /** May contain credentials. */
  callbackUrl?: string;
  fallbackUrl?: string;
  callbackHttpMethod: CallbackHttpMethod;
  callbackTimeout: number;
  tag?: string;
  /** The API version the call belongs to; the engine's default one when absent. */
  format?: CallFormat;
  /** What only the call's API version knows about it (v2: its webhook URLs and BXML); opaque to the core. */
  data?: unknown;
}

/** How the call reports its audio, so the engine can log and announce it. */
export interface CallAudioHooks {
  playback: AudioChannelHooks;
  speak: AudioChannelHooks;
}

/**
 * One simulated call: its v1 properties plus what it owns while it lives (timers, audio, callback
 * queue). Transitions are decided by the engine; the call only holds state and releases resources.
 */
export class SimCall {
  readonly id: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly callTimeout?: number;
  readonly callbackHttpMethod: CallbackHttpMethod;
  readonly callbackTimeout: number;
  readonly fallbackUrl?: string;
  /** Set by the engine when the call is registered: every call is presented by its own API version. */
  readonly format: CallFormat;
  readonly data?: unknown;
  readonly startTime = new Date();
  callbackUrl?: string;
  tag?: string;
  state: CallState = 'started';
  activeTime?: Date;
  endTime?: Date;
  endCause?: string;
  readonly log: CallLogEntry[] = [];
  readonly audioRequests: AudioRequestRecord[] = [];
  readonly timers: CallTimers;
  readonly callbacks: CallbackQueue;
  readonly playback: AudioChannel;
  readonly speech: AudioChannel;
  /** Cancels the ring timeout once the call is answered; set by the engine for outbound calls. */
  stopRinging?: () => void;
  private readonly lifetime = new AbortController();

  constructor(init: CallInit & { format: CallFormat }, audioHooks: (call: SimCall) => CallAudioHooks, callbackFaults: CallbackFaults, logger?: Logger) {
    this.id = init.id;
    this.direction = init.direction;
    this.from = init.from;
    this.to = init.to;
    this.callTimeout = init.callTimeout;
    this.callbackUrl = init.callbackUrl;
    this.fallbackUrl = init.fallbackUrl;
    this.callbackHttpMethod = init.callbackHttpMethod;
    this.callbackTimeout = init.callbackTimeout;
    this.tag = init.tag;
    this.format = init.format;
    this.data = init.data;
    this.timers = new CallTimers((error) => logger?.error({ err: error, callId: this.id }, 'call timer failed'));
    this.callbacks = new CallbackQueue(this.id, this.lifetime.signal, callbackFaults, logger);
    const hooks = audioHooks(this);
    this.playback = new AudioChannel(hooks.playback, this.timers);
    this.speech = new AudioChannel(hooks.speak, this.timers);
  }

  get ended(): boolean {
    return this.state === 'completed' || this.state === 'rejected';
  }

  /** Aborts when the call is forgotten (reset, close): what an API version runs for the call stops with it. */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  addLogEntry(name: string, data?: string, time: Date = new Date()): void {
    this.log.push({ id: newCallEventId(), time: time.toISOString(), name, data });
  }

  /** Stops everything the call would still do: pending far-end actions and callback deliveries. */
  dispose(): void {
    this.timers.clearAll();
    this.lifetime.abort();
  }
}
