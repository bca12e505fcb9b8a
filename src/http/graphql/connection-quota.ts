import { KeyedCounter } from './keyed-counter.js';

/**
 * How many WebSockets may be open at once, so that one client (a runaway reconnect loop, a
 * script) cannot take the sockets and memory everyone else needs.
 */
export interface ConnectionLimits {
  /**
   * From one remote address (the client's own behind a trusted proxy, see `TRUST_PROXY`).
   * @default 100
   */
  perAddress: number;
  /**
   * For one API token, from wherever (everyone together when no tokens are configured). A token
   * shared by a web app's users needs one connection per open tab.
   * @default 1000
   */
  perToken: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perAddress: 100, perToken: 1000 };

/**
 * The close code of a WebSocket refused for being one too many: 1013, "try again later", which
 * clients (graphql-ws's included) retry with back-off rather than give up on.
 */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 1013;

/** Open WebSockets per remote address and per caller; grants a new one a slot or refuses it. */
export class ConnectionQuota {
  private readonly byAddress = new KeyedCounter();
  private readonly byCaller = new KeyedCounter();

  constructor(private readonly limits: ConnectionLimits) {}

  /** A slot for one more connection from `address`, released by the function returned; undefined when refused. */
  admitAddress(address: string): (() => void) | undefined {
    return this.byAddress.count(address) < this.limits.perAddress ? this.byAddress.add(address) : undefined;
  }

  /** A slot for one more connection of `caller`, released by the function returned; undefined when refused. */
  admitCaller(caller: string): (() => void) | undefined {
    return this.byCaller.count(caller) < this.limits.perToken ? this.byCaller.add(caller) : undefined;
  }
}
