import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { storageEnv } from './backend.js';
import { simulatedBandwidthEnv } from './bandwidth-api.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { GET_CALL, type CallView } from './documents.js';
import { waitFor } from './wait-for.js';

export { waitFor };

/**
 * The one way tests start the service: real HTTP, a real SQLite file in a fresh directory, and
 * the built-in simulator unless the test brings its own. Everything started is disposed by
 * {@link disposeAll}, which each test file runs after each test.
 */
const disposables: Array<() => Promise<void>> = [];

export async function disposeAll(): Promise<void> {
  while (disposables.length > 0) await disposables.pop()!().catch(() => undefined);
}

export function onDispose(dispose: () => Promise<void>): void {
  disposables.push(dispose);
}

export type Env = Record<string, string>;

/** Fast far-end timings so a whole call takes well under a second. */
export const FAST_SIMULATOR: Env = {
  SIMULATOR_ANSWER_DELAY_MS: '30',
  SIMULATOR_PLAYBACK_MS: '60',
  // Tests place calls back to back; the call rate limit has tests of its own.
  OUTBOUND_CALLS_PER_SECOND: '1000',
};

export interface TestService {
  server: RunningServer;
  url: string;
  /** Base URL of the simulator the service talks to. */
  simulatorUrl: string;
  env: Env;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  ws(connectionParams?: Record<string, unknown>): Client;
  /** Calls the simulator's control API. */
  sim<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * Resolves once `count` subscriptions listen to this instance's change bus: a subscription
   * without a call id replays nothing, so a test waits for it before making the change it expects.
   */
  waitForListeners(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: string[] }>;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'calls-test-'));
  onDispose(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestServiceOptions {
  /** Where the service's JSON log lines go (default: nowhere, at LOG_LEVEL silent). */
  logStream?: NodeJS.WritableStream;
}

export async function startTestService(env: Env = {}, options: TestServiceOptions = {}): Promise<TestService> {
  const fullEnv: Env = {
    HOST: '127.0.0.1',
    PORT: '0',
    SIMULATOR_PORT: '0',
    LOG_LEVEL: 'silent',
    // A service taking over another's store (after a kill) brings its DATABASE_URL.
    ...(env.DATABASE_URL ? {} : storageEnv()),
    ...simulatedBandwidthEnv(),
    ...FAST_SIMULATOR,
    ...env,
  };
  const config = loadConfig(fullEnv);
  const logger = options.logStream
    ? createLogger(fullEnv.LOG_LEVEL ?? 'silent', { destination: options.logStream })
    : pino({ level: 'silent' });
  const server = await startServer(config, logger);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  onDispose(stop);
  const simulatorUrl = server.simulator?.url ?? fullEnv.BANDWIDTH_API_URL!;
  const listeners = countListeners(server);
  const defaultToken = config.apiTokens[0]?.token;

  return {
    server,
    url: server.url,
    simulatorUrl,
    env: fullEnv,
    gql: (query, variables, token = defaultToken) => postGraphQL(server.url, query, variables, token),
    ws: (connectionParams = defaultToken ? { authorization: `Bearer ${defaultToken}` } : {}) => {
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
      });
      onDispose(async () => client.dispose());
      return client;
    },
    sim: (method, path, body) => simulatorControl(simulatorUrl, method, path, body),
    waitForListeners: async (count, timeoutMs) => void (await waitFor(`${count} change listeners`, () => listeners() >= count, timeoutMs)),
    stop,
  };
}

/** Counts the listeners on a running service's change bus, as they subscribe and leave. */
function countListeners(server: RunningServer): () => number {
  const { bus } = server;
  const subscribe = bus.subscribe.bind(bus);
  let count = 0;
  bus.subscribe = (callId, listener) => {
    count += 1;
    const unsubscribe = subscribe(callId, listener);
    let left = false;
    return () => {
      if (!left) count -= 1;
      left = true;
      unsubscribe();
    };
  };
  return () => count;
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  return { ...body, status: response.status };
}

export async function simulatorControl<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`simulator ${method} ${path} → ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Reads the call through GraphQL (`GET_CALL`, events included) until `predicate` holds, and
 * resolves with the call as it then was; fails naming `what` after `timeoutMs`. The one way tests
 * wait for a call to reach a state, so each says only what it waits for.
 */
export async function waitForCall(
  service: Pick<TestService, 'gql'>,
  id: string,
  what: string,
  predicate: (call: CallView) => boolean,
  timeoutMs = 10_000,
): Promise<CallView> {
  return waitFor(
    what,
    async () => {
      const { data } = await service.gql<{ call: CallView }>(GET_CALL, { id });
      return predicate(data!.call) ? data!.call : undefined;
    },
    timeoutMs,
  );
}

/**
 * Collects what a graphql-ws subscription delivers, with a way to wait for a given item.
 */
export class Subscription<T> {
  readonly items: T[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) this.errors.push(...value.errors);
          if (value.data) this.items.push(value.data as T);
          this.wake();
        },
        error: (error) => {
          this.errors.push(error);
          this.wake();
        },
        complete: () => {
          this.completed = true;
          this.wake();
        },
      },
    );
    onDispose(async () => this.unsubscribe());
  }

  /** Resolves with the first item matching `predicate` (already received or still to come). */
  async waitFor(what: string, predicate: (item: T) => boolean, timeoutMs = 5000): Promise<T> {
    return this.waitUntil(what, () => this.items.find(predicate), timeoutMs);
  }

  async waitUntil<R>(what: string, check: () => R | undefined, timeoutMs = 5000): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const attempt = (): boolean => {
        const found = check();
        if (found !== undefined && found !== false) {
          cleanup();
          resolve(found);
          return true;
        }
        if (this.errors.length > 0 || this.completed) {
          cleanup();
          reject(new Error(`${what}: subscription ended (${JSON.stringify(this.errors)})`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.items, null, 1).slice(0, 3000)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(listener);
      };
      const listener = (): void => {
        attempt();
      };
      if (!attempt()) this.waiters.add(listener);
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
