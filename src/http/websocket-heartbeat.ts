import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Pings every WebSocket of `server` each `intervalMs` and closes those that did not answer the
 * previous ping. A peer whose network vanished sends no close frame and its TCP connection can
 * look open for many minutes; without this, its subscriptions and buffers would stay until then.
 * Returns a function that stops the pinging.
 */
export function startWebSocketHeartbeat(server: WebSocketServer, intervalMs: number): () => void {
  const answered = new WeakMap<WebSocket, boolean>();
  const onConnection = (socket: WebSocket): void => {
    answered.set(socket, true);
    socket.on('pong', () => answered.set(socket, true));
  };
  server.on('connection', onConnection);
  const timer = setInterval(() => {
    for (const socket of server.clients) {
      if (answered.get(socket) === false) {
        socket.terminate();
        continue;
      }
      answered.set(socket, false);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off('connection', onConnection);
  };
}
