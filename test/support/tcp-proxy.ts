import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`, forwarding every byte (WebSockets included) to the target. */
  url: string;
  /** Connections open through the proxy now. */
  readonly open: number;
  /**
   * Cuts the network: resets every open connection and, until `restore`, resets new ones as soon
   * as they arrive, as a client sees when its link to the service goes down.
   */
  cut(): void;
  restore(): void;
  /**
   * From now until `cut`, passes what clients send but drops what the service answers: a request
   * arrives and is done, and its reply is lost with the connection.
   */
  loseReplies(): void;
  close(): Promise<void>;
}

/** A TCP forwarder in front of a service, so a test can drop a browser's connection mid-stream. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let down = false;
  let losingReplies = false;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    const pair = [client, upstream];
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        for (const other of pair) if (other !== socket) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!losingReplies) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${listening}`,
    get open() {
      return sockets.size / 2;
    },
    cut() {
      down = true;
      losingReplies = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    loseReplies() {
      losingReplies = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
