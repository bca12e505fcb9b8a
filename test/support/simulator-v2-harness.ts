import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type BandwidthSimulator, type SimulatorOptions } from '../../simulator/simulator.js';
import { waitFor } from './wait-for.js';
import { CREDENTIALS, sleep, type Json } from './simulator-harness.js';

/**
 * The harness of the v2 simulator tests: a real simulator, a real HTTP server standing in for the
 * v2 gateway's webhook endpoint (it answers BXML, {@link WebhookServer}), and plain `fetch` calls
 * to the v2 API and the control API.
 */

export const ACCOUNT_ID = '9900001';
export const APPLICATION_ID = 'a7f2c1d0-5b6e-4c3a-9d8f-0e1f2a3b4c5d';
export const OTHER_APPLICATION_ID = 'b8e3d2c1-6c7f-4d4b-8e9a-1f2a3b4c5d6e';
export const API_USER = { username: 'v2-api-user', password: 'v2-api-pass' };
export const OAUTH_CLIENT = { clientId: 'v2-client', clientSecret: 'v2-client-secret' };
export const FROM = '+19195550100';
export const TO = '+19195550199';
export const V2_CALL_ID = /^c-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Short delays: 30 ms to answer, files of 100 ms, BXML seconds lasting 10 ms. */
export const V2_FAST: Partial<SimulatorOptions> = {
  answerDelayMs: 30,
  playbackDurationMs: 100,
  remoteHangupDelayMs: 50,
  bxmlTimeScale: 0.01,
  v2: { accountId: ACCOUNT_ID, applicationIds: [APPLICATION_ID, OTHER_APPLICATION_ID], apiUser: API_USER, oauthClient: OAUTH_CLIENT },
};

export interface Webhook {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Json;
  receivedAt: number;
}

/** A BXML text (200, application/xml), a status with an optional body, or `hang` to never answer. */
export type WebhookReply = string | { status: number; body?: string; delayMs?: number } | 'hang';
export type WebhookHandler = (hook: Webhook) => WebhookReply | Promise<WebhookReply>;

/** `<Response>` around the verbs, with the XML declaration the SDK writes. */
export function response(...verbs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}

/** The v2 gateway's webhook endpoint: answers by path, records everything. Unrouted paths get an empty 204. */
export class WebhookServer {
  readonly received: Webhook[] = [];
  url = '';
  private routes = new Map<string, WebhookHandler>();
  private readonly server = http.createServer((request, reply) => this.handle(request, reply));

  static async start(): Promise<WebhookServer> {
    const hooks = new WebhookServer();
    await new Promise<void>((resolve) => hooks.server.listen(0, '127.0.0.1', resolve));
    hooks.url = `http://127.0.0.1:${(hooks.server.address() as AddressInfo).port}`;
    return hooks;
  }

  /** What `path` (without query) answers from now on. */
  on(path: string, handler: WebhookHandler | WebhookReply): void {
    this.routes.set(path, typeof handler === 'function' ? handler : () => handler);
  }

  reset(): void {
    this.routes.clear();
    this.received.length = 0;
  }

  of(callId: string): Webhook[] {
    return this.received.filter((hook) => hook.body.callId === callId);
  }

  /** The call's webhooks as `eventType path`, in arrival order. */
  sequence(callId: string): string[] {
    return this.of(callId).map((hook) => `${hook.body.eventType} ${hook.path}`);
  }

  async waitFor(predicate: (hook: Webhook) => boolean, timeoutMs = 5000): Promise<Webhook> {
    const describe = (): string => `a matching webhook within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((hook) => [hook.path, hook.body.eventType]))}`;
    return waitFor(describe, () => this.received.find(predicate), timeoutMs);
  }

  waitForEvent(callId: string, eventType: string, timeoutMs?: number): Promise<Webhook> {
    return this.waitFor((hook) => hook.body.callId === callId && hook.body.eventType === eventType, timeoutMs);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, reply: http.ServerResponse): void {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', this.url);
      const body: Json = raw === '' ? Object.fromEntries(url.searchParams) : JSON.parse(raw);
      const hook: Webhook = { method: request.method ?? '', path: url.pathname, query: url.searchParams, headers: request.headers, body, receivedAt: Date.now() };
      this.received.push(hook);
      const handler: WebhookHandler = this.routes.get(url.pathname) ?? (() => ({ status: 204 }));
      void Promise.resolve(handler(hook)).then(async (answer) => {
        if (answer === 'hang') return;
        if (typeof answer === 'string') return reply.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', Connection: 'close' }).end(answer);
        if (answer.delayMs) await sleep(answer.delayMs);
        reply.writeHead(answer.status, { 'Content-Type': 'application/xml; charset=utf-8', Connection: 'close' }).end(answer.body ?? '');
      });
    });
  }
}

export interface V2Harness {
  sim: BandwidthSimulator;
  hooks: WebhookServer;
}

/** One simulator and one webhook server per file, both reset before every test. */
export function useV2Harness(options: Partial<SimulatorOptions> = {}): V2Harness {
  const harness = {} as V2Harness;
  beforeAll(async () => {
    harness.hooks = await WebhookServer.start();
    harness.sim = await startSimulator({ ...CREDENTIALS, ...V2_FAST, ...options });
  });
  afterAll(async () => {
    await harness.sim.close();
    await harness.hooks.close();
  });
  beforeEach(async () => {
    harness.hooks.reset();
    await control(harness, 'POST', '/reset');
  });
  return harness;
}

export interface V2Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface V2SendOptions {
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json). */
  rawBody?: string;
  contentType?: string;
  /** `Basic user:pass` by default ({@link API_USER}); a string starting with `Bearer ` is sent as is; null sends none. */
  auth?: string | null;
}

export async function send(url: string, method: string, init: V2SendOptions = {}): Promise<V2Reply> {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? `${API_USER.username}:${API_USER.password}` : init.auth;
  if (auth !== null) headers.Authorization = auth.startsWith('Bearer ') ? auth : `Basic ${Buffer.from(auth).toString('base64')}`;
  const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (payload !== undefined) headers['Content-Type'] = init.contentType ?? 'application/json';
  const reply = await fetch(url, { method, headers, body: payload });
  const text = await reply.text();
  let json: any;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: reply.status, headers: reply.headers, text, json };
}

/** A request to the v2 API under {@link ACCOUNT_ID}. */
export function v2api(h: V2Harness, method: string, path: string, init?: V2SendOptions): Promise<V2Reply> {
  return send(`${h.sim.url}/api/v2/accounts/${ACCOUNT_ID}${path}`, method, init);
}

export function control(h: V2Harness, method: string, path: string, body?: unknown): Promise<V2Reply> {
  return send(`${h.sim.url}/control${path}`, method, { body, auth: null });
}

/** A create body whose webhooks go to the webhook server's `/answer` and `/disconnect`. */
export function createBody(h: V2Harness, fields: Json = {}): Json {
  return { from: FROM, to: TO, applicationId: APPLICATION_ID, answerUrl: `${h.hooks.url}/answer`, disconnectUrl: `${h.hooks.url}/disconnect`, ...fields };
}

/** Creates a call, which must succeed; resolves with its id. */
export async function createV2Call(h: V2Harness, fields: Json = {}): Promise<string> {
  const reply = await v2api(h, 'POST', '/calls', { body: createBody(h, fields) });
  expect(reply.status).toBe(201);
  return reply.json.callId;
}

/** The control API's view of a call (with `bxml`, the verbs it executed). */
export async function controlCall(h: V2Harness, callId: string): Promise<Json> {
  const reply = await control(h, 'GET', `/calls/${callId}`);
  expect(reply.status).toBe(200);
  return reply.json;
}

/**
 * Waits until the call is executing `verb` of BXML document `document` (the first to reply, unless
 * said) and returns its record: the webhook that carried that BXML has arrived before the
 * simulator has read the reply, so an action meant to cut a running verb waits for this first.
 */
export function verbRunning(h: V2Harness, callId: string, verb: string, document = 1): Promise<Json> {
  return waitFor(`${verb} of document ${document} to run on ${callId}`, async () =>
    ((await controlCall(h, callId)).bxml as Json[]).find((step) => step.document === document && step.verb === verb && step.outcome == null),
  );
}

/** Waits until the call has ended (its `disconnect` was sent), and returns that webhook. */
export function disconnected(h: V2Harness, callId: string, timeoutMs?: number): Promise<Webhook> {
  return h.hooks.waitForEvent(callId, 'disconnect', timeoutMs);
}

/** A bearer token from the simulator's OAuth endpoint. */
export async function accessToken(h: V2Harness, client = OAUTH_CLIENT): Promise<string> {
  const reply = await send(`${h.sim.url}/api/v1/oauth2/token`, 'POST', {
    auth: `${client.clientId}:${client.clientSecret}`,
    rawBody: 'grant_type=client_credentials',
    contentType: 'application/x-www-form-urlencoded',
  });
  expect(reply.status).toBe(200);
  return reply.json.access_token;
}
