import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type BandwidthSimulator, type SimulatorOptions } from '../../simulator/simulator.js';
import { waitFor } from './wait-for.js';

/**
 * The harness of the tests that drive the Bandwidth simulator on its own, without our service:
 * a real simulator, a real HTTP server receiving the callbacks it sends ({@link CallbackReceiver}),
 * and plain `fetch` calls to its v1 API and its control API. The simulator's behaviour tests and
 * its fault-injection tests both use it, so the two see callbacks and replies the same way.
 */

export const USER_ID = 'u-test';
export const TOKEN = 't-test';
export const SECRET = 's-test';
/** What `startSimulator` needs to accept {@link TOKEN}:{@link SECRET} for {@link USER_ID}. */
export const CREDENTIALS = { userId: USER_ID, apiToken: TOKEN, apiSecret: SECRET };
export const FROM = '+19195550100';
/** The number {@link createCall} dials unless told otherwise. */
export const TO = '+19195550199';

// Short far-end delays keep the suites fast while leaving the order of events observable.
export const FAST: Partial<SimulatorOptions> = { answerDelayMs: 30, playbackDurationMs: 100, remoteHangupDelayMs: 50 };

export type Json = Record<string, any>;

export interface ReceivedCallback {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The JSON body, or the query parameters of a GET callback. */
  body: Json;
  receivedAt: number;
}

/** How the receiver answers one callback: a status, or `hang` to never answer. */
export type Responder = (callback: ReceivedCallback) => number | 'hang' | Promise<number>;

/** A real HTTP server standing in for our service's webhook endpoint. */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  url = '';
  inFlight = 0;
  maxInFlight = 0;
  private responder: Responder = () => 200;
  private readonly server = http.createServer((request, response) => this.handle(request, response));

  static async start(): Promise<CallbackReceiver> {
    const receiver = new CallbackReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  bodies(callId: string): Json[] {
    return this.received.filter((callback) => callback.body.callId === callId).map((callback) => callback.body);
  }

  /** The event types of a call in arrival order, with the status of playback/speak events. */
  sequence(callId: string): string[] {
    return this.bodies(callId).map((body) => (body.status ? `${body.eventType}:${body.status}` : body.eventType));
  }

  /** Resolves with the first callback matching `predicate`, received already or still to come. */
  waitFor(predicate: (callback: ReceivedCallback) => boolean, timeoutMs = 5000): Promise<ReceivedCallback> {
    return this.poll(() => this.received.find(predicate), 'a matching callback', timeoutMs);
  }

  waitForEvent(callId: string, eventType: string, status?: string): Promise<ReceivedCallback> {
    return this.waitFor((c) => c.body.callId === callId && c.body.eventType === eventType && (status === undefined || c.body.status === status));
  }

  /** Resolves once `count` callbacks of `eventType` arrived for the call (copies and retries count). */
  waitForEvents(callId: string, eventType: string, count: number, timeoutMs = 5000): Promise<ReceivedCallback[]> {
    return this.poll(
      () => {
        const matching = this.received.filter((c) => c.body.callId === callId && c.body.eventType === eventType);
        return matching.length >= count ? matching : undefined;
      },
      `${count} × ${eventType}`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async poll<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return waitFor(() => `${what} within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((c) => c.body))}`, () => check() as T, timeoutMs);
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', this.url);
      const body: Json = raw === '' ? Object.fromEntries(url.searchParams) : JSON.parse(raw);
      const callback: ReceivedCallback = { method: request.method ?? '', path: url.pathname, query: url.searchParams, headers: request.headers, body, receivedAt: Date.now() };
      this.received.push(callback);
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      // 'close' also fires when the sender gives up on a hanging response.
      response.once('close', () => (this.inFlight -= 1));
      void Promise.resolve(this.responder(callback)).then((status) => {
        if (status !== 'hang') response.writeHead(status, { Connection: 'close' }).end();
      });
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Harness {
  sim: BandwidthSimulator;
  receiver: CallbackReceiver;
}

/** One simulator and one receiver per feature (call it in a `describe`), closed after it. */
export function useHarness(options: Partial<SimulatorOptions> = {}): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    harness.receiver = await CallbackReceiver.start();
    harness.sim = await startSimulator({ ...CREDENTIALS, ...FAST, ...options });
  });
  afterAll(async () => {
    await harness.sim.close();
    await harness.receiver.close();
  });
  return harness;
}

/** {@link useHarness}, with the simulator and the receiver reset before every test so faults never leak. */
export function useResetHarness(options: Partial<SimulatorOptions> = {}): Harness {
  const harness = useHarness(options);
  beforeEach(async () => {
    harness.receiver.respondWith(() => 200);
    await control(harness, 'POST', '/reset');
  });
  return harness;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is empty or not JSON. */
  json: any;
}

export interface SendOptions {
  body?: unknown;
  /** Sent as it is instead of `body`, for malformed JSON. */
  rawBody?: string;
  /** `token:secret` for Basic auth (default {@link TOKEN}:{@link SECRET}); null sends none. */
  auth?: string | null;
}

export async function send(url: string, method: string, init: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? `${TOKEN}:${SECRET}` : init.auth;
  if (auth !== null) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let json: any;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A request to the simulator's v1 API, under {@link USER_ID}. */
export function api(h: Harness, method: string, path: string, init?: SendOptions): Promise<Reply> {
  return send(`${h.sim.url}/v1/users/${USER_ID}${path}`, method, init);
}

/** A request to the simulator's control API (no auth). */
export function control(h: Harness, method: string, path: string, body?: unknown): Promise<Reply> {
  return send(`${h.sim.url}/control${path}`, method, { body, auth: null });
}

/** Asks for a call from {@link FROM} to {@link TO} whose callbacks go to the receiver; `fields` override. */
export function createRequest(h: Harness, fields: Json = {}): Promise<Reply> {
  return api(h, 'POST', '/calls', { body: { from: FROM, to: TO, callbackUrl: `${h.receiver.url}/events`, ...fields } });
}

/** {@link createRequest}, which must succeed; resolves with the new call's id. */
export async function createCall(h: Harness, fields: Json = {}): Promise<string> {
  const reply = await createRequest(h, fields);
  expect(reply.status).toBe(201);
  return reply.headers.get('location')!.split('/').pop()!;
}
