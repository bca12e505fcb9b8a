/** How the service keeps each WebSocket honest: alive, and reading what it is sent. */
export interface WebSocketLimits {
  /**
   * How often each socket is pinged (graphql-ws's own keep-alive). A socket that has not answered
   * within the same time is cut, so a peer that vanished without a close frame, or one that reads
   * nothing (its pings wait behind unread data), is dropped within two intervals.
   * @default 25000
   */
  pingIntervalMs: number;
  /**
   * Bytes the service may hold for one socket, sent but not yet taken by the network. Past it the
   * socket is closed with {@link TOO_SLOW_CLOSE_CODE}: a client that reads more slowly than its
   * subscriptions produce would otherwise make the service keep what it has not read. Its
   * subscriptions resume from `afterSequence` on a new socket.
   * @default 1048576
   */
  maxBufferedBytes: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { pingIntervalMs: 25_000, maxBufferedBytes: 1024 * 1024 };

/** The close code of a socket that read too slowly: 1008, policy violation. Clients may reconnect. */
export const TOO_SLOW_CLOSE_CODE = 1008;
