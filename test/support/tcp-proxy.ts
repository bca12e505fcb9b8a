import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`, forwarding every byte (WebSockets included) to the target. */
  url: string;
  /**
   * Cuts the network: resets every open connection and, until `restore`, resets new ones as soon
   * as they arrive, as a client sees when its link to the service goes down.
   */
  cut(): void;
  /**
   * Silences the network: nothing goes through any more, in either direction, and nothing is
   * closed either — a half-open connection, as after a dropped Wi-Fi or a NAT that forgot the
   * flow. Only the client's own timers can notice. New connections hang the same way.
   */
  silence(): void;
  /**
   * From now until `cut`, passes what clients send but drops what the service answers: a request
   * arrives and is done, and its reply is lost with the connection.
   */
  loseReplies(): void;
  /** The network is back for new connections; connections that were silenced stay dead, and are reset. */
  restore(): void;
  close(): Promise<void>;
}

type Mode = 'up' | 'down' | 'silent' | 'losing-replies';

/** A TCP forwarder in front of a service, so a test can break a browser's connection mid-stream. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  /** Connections open while the network was silent: dead for good, like the real thing. */
  const silenced = new Set<net.Socket>();
  let mode: Mode = 'up';

  const track = (socket: net.Socket, peer?: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      silenced.delete(socket);
      peer?.destroy();
    });
  };

  const server = net.createServer((client) => {
    if (mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'silent') {
      track(client);
      silenced.add(client);
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    track(client, upstream);
    track(upstream, client);
    client.on('data', (chunk: Buffer) => {
      if (mode !== 'silent' && !silenced.has(client)) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'up' && !silenced.has(client)) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${listening}`,
    cut() {
      mode = 'down';
      for (const socket of sockets) socket.resetAndDestroy();
    },
    silence() {
      mode = 'silent';
      for (const socket of sockets) silenced.add(socket);
    },
    loseReplies() {
      mode = 'losing-replies';
    },
    restore() {
      mode = 'up';
      for (const socket of silenced) socket.resetAndDestroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
