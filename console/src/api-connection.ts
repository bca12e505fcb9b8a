import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql';

/** What the console shows about its link to the service. */
export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  /** The socket dropped; live subscriptions resume, each after the last event it saw. */
  | { kind: 'reconnecting'; attempt: number; retryInMs: number }
  /** The service wants an API token (none given, or the one given was refused). */
  | { kind: 'token-required'; refused: boolean };

/** A GraphQL error as the API reports it: its message and stable `extensions.code`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface LiveHandlers<TData> {
  next(data: TData): void;
  /** The service refused the operation itself (bad arguments, no such call…); it is not retried. */
  error(error: ApiError): void;
  /** Each time the operation is (re)sent: callers that keep no cursor refetch what they may have missed. */
  subscribed?(resumed: boolean): void;
}

export interface ApiConnectionOptions {
  /** The service's graphql-ws endpoint, e.g. `ws://localhost:4000/graphql`. */
  url: string;
  /** Where the API token is kept for the tab's lifetime (the explorer reads the same key). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** First wait before reconnecting; it doubles per failed attempt up to `maxRetryMs`, with jitter so a restarted service is not hit by every tab at once. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often to ping, and how long a pong may take before the socket is treated as dead (a half-open TCP connection never closes by itself). */
  keepAliveMs?: number;
  pongTimeoutMs?: number;
  /** How long opening a socket may take before the attempt is abandoned and retried (a silent network never answers the upgrade). */
  connectTimeoutMs?: number;
}

const TOKEN_KEY = 'catapult-api-token';
/** The service closes a socket whose connectionParams carry no accepted token with 4403 Forbidden. */
const FORBIDDEN = 4403;

interface LiveOperation {
  start(resumed: boolean): void;
  stop(): void;
  /** Tells the caller the operation is on an open socket (sent now or just after). */
  subscribed(resumed: boolean): void;
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as CloseEvent).code === 'number';
}

function apiErrorOf(errors: readonly { message: string; extensions?: Record<string, unknown> }[]): ApiError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  return new ApiError(errors.map((error) => error.message).join('; ') || 'The service reported an error', code);
}

/**
 * The console's one link to the service: GraphQL over graphql-ws, for queries and mutations as
 * well as subscriptions, as any frontend of ours would use it.
 *
 * graphql-ws's own retry re-sends an operation exactly as first sent, which would replay a call's
 * event log from where the page started rather than where it got to. So the client does not
 * retry; this class does, restarting every live subscription with variables computed afresh (the
 * last sequence seen), once per reconnect attempt.
 */
export class ApiConnection {
  private readonly client: Client;
  private readonly storage: NonNullable<ApiConnectionOptions['storage']>;
  private readonly live = new Set<LiveOperation>();
  /** Operations started while the socket was not open, told once it is (with whether they resume). */
  private readonly awaitingSocket = new Map<LiveOperation, boolean>();
  private readonly listeners = new Set<() => void>();
  private current: ConnectionStatus = { kind: 'connecting' };
  private token: string;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ApiConnectionOptions) {
    this.storage = options.storage ?? sessionStorage;
    this.token = this.storage.getItem(TOKEN_KEY) ?? '';
    const pongTimeoutMs = options.pongTimeoutMs ?? 3_000;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    // A dead socket is terminated rather than closed: a close handshake over a dead link waits.
    const abandon = (): void => this.client.terminate();
    this.client = createClient({
      url: options.url,
      lazy: true,
      retryAttempts: 0,
      keepAlive: options.keepAliveMs ?? 5_000,
      connectionParams: () => (this.token ? { authorization: `Bearer ${this.token}` } : {}),
      on: {
        connecting: () => {
          clearTimeout(this.connectTimer);
          this.connectTimer = setTimeout(abandon, connectTimeoutMs);
        },
        connected: () => {
          clearTimeout(this.connectTimer);
          this.attempt = 0;
          this.setStatus({ kind: 'connected' });
          const waiting = [...this.awaitingSocket];
          this.awaitingSocket.clear();
          for (const [operation, resumed] of waiting) operation.subscribed(resumed);
          // A request opened a socket while subscriptions waited out their backoff: no need to wait longer.
          if (this.retryTimer !== undefined) this.restartAll();
        },
        ping: (received) => {
          if (!received) this.pongTimer = setTimeout(abandon, pongTimeoutMs);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
        closed: (event) => {
          clearTimeout(this.pongTimer);
          clearTimeout(this.connectTimer);
          if (isCloseEvent(event) && event.code === FORBIDDEN) this.setStatus({ kind: 'token-required', refused: this.token !== '' });
          else this.setStatus({ kind: 'connecting' });
        },
      },
    });
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** For `useSyncExternalStore`: called whenever `status` changes. */
  onStatus = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Uses this token from now on (kept for the tab) and restarts what was waiting for one. */
  setToken(token: string): void {
    this.token = token.trim();
    if (this.token) this.storage.setItem(TOKEN_KEY, this.token);
    else this.storage.removeItem(TOKEN_KEY);
    this.setStatus({ kind: 'connecting' });
    this.restartAll();
  }

  /** A query or mutation; rejects with an ApiError (code `NOT_CONNECTED` when the service cannot be reached). */
  request<TData, TVariables extends Record<string, unknown>>(document: TypedDocumentString<TData, TVariables>, variables: TVariables): Promise<TData> {
    return new Promise<TData>((resolve, reject) => {
      let result: FormattedExecutionResult<TData, unknown> | undefined;
      this.client.subscribe<TData>(
        { query: document.toString(), variables },
        {
          next: (value) => {
            result = value;
          },
          error: (error) => reject(this.failure(error)),
          complete: () => {
            if (result?.errors?.length) reject(apiErrorOf(result.errors));
            else if (result?.data) resolve(result.data);
            else reject(new ApiError('The service sent no result', 'NO_RESULT'));
          },
        },
      );
    });
  }

  /**
   * A subscription kept alive across dropped connections: `variables` is called each time it is
   * sent, so it can carry the last sequence the caller saw. Returns the function that ends it.
   */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentString<TData, TVariables>,
    variables: () => TVariables,
    handlers: LiveHandlers<TData>,
  ): () => void {
    let dispose: (() => void) | undefined;
    const operation: LiveOperation = {
      start: (resumed) => {
        dispose?.();
        dispose = this.client.subscribe<TData>(
          { query: document.toString(), variables: variables() },
          {
            next: (value) => {
              if (value.errors?.length) handlers.error(apiErrorOf(value.errors));
              else if (value.data) handlers.next(value.data);
            },
            error: (error) => {
              if (Array.isArray(error)) {
                this.live.delete(operation);
                this.awaitingSocket.delete(operation);
                handlers.error(apiErrorOf(error));
              } else {
                this.connectionLost(error);
              }
            },
            complete: () => {
              this.live.delete(operation);
              this.awaitingSocket.delete(operation);
            },
          },
        );
        if (this.current.kind === 'connected') operation.subscribed(resumed);
        else this.awaitingSocket.set(operation, resumed || this.awaitingSocket.get(operation) === true);
      },
      stop: () => {
        this.live.delete(operation);
        this.awaitingSocket.delete(operation);
        dispose?.();
      },
      subscribed: (resumed) => handlers.subscribed?.(resumed),
    };
    this.live.add(operation);
    operation.start(false);
    return operation.stop;
  }

  private failure(error: unknown): ApiError {
    if (Array.isArray(error)) return apiErrorOf(error);
    if (isCloseEvent(error) && error.code === FORBIDDEN) return new ApiError('The service wants an API token', 'UNAUTHENTICATED');
    return new ApiError('The service cannot be reached right now; try again once the console is connected', 'NOT_CONNECTED');
  }

  /** Every live subscription errors when the socket goes; one reconnect attempt serves them all. */
  private connectionLost(error: unknown): void {
    if (isCloseEvent(error) && error.code === FORBIDDEN) return; // waits for setToken
    if (this.retryTimer !== undefined || this.live.size === 0) return;
    this.attempt += 1;
    const ceiling = Math.min(this.options.maxRetryMs ?? 10_000, (this.options.retryMs ?? 500) * 2 ** (this.attempt - 1));
    const retryInMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.setStatus({ kind: 'reconnecting', attempt: this.attempt, retryInMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.restartAll();
    }, retryInMs);
  }

  private restartAll(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const operation of [...this.live]) operation.start(true);
  }

  private setStatus(status: ConnectionStatus): void {
    this.current = status;
    for (const listener of this.listeners) listener();
  }
}
