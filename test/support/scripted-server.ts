import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the server received it, kept so tests can assert what the client sent. */
export interface ReceivedRequest {
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `Date.now()` when the whole request had arrived. */
  receivedAt: number;
  json(): unknown;
}

/** What the server does with one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | object; delayMs?: number }
  /** Drop the connection after the request arrived, as a crashing or overloaded upstream would. */
  | { destroy: true };

/** One scripted answer, or a function deciding it from the request. Steps are used in order. */
export type Step = Reply | ((request: ReceivedRequest) => Reply | Promise<Reply>);

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** Listen on this port instead of a free one (to bring a server up where a client was refused). */
  port?: number;
  /**
   * Bind without a host: Node then binds synchronously inside `listen()`, so a server started from
   * inside a client callback is listening before the client's next connection attempt.
   */
  anyHost?: boolean;
}

/**
 * An HTTP server that answers each request with the next scripted step and records what it got.
 * A request beyond the script gets a 599 so that an unexpected retry fails the test visibly.
 */
export function startScriptedServer(steps: Step[], options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        receivedAt: Date.now(),
        json: () => JSON.parse(body) as unknown,
      };
      requests.push(received);
      const step = steps[next++];
      void Promise.resolve<Reply>(
        step === undefined
          ? { status: 599, body: { code: 'unscripted-request', message: `no step for request ${requests.length}` } }
          : typeof step === 'function'
            ? step(received)
            : step,
      ).then((reply) => {
        if ('destroy' in reply) {
          req.socket.destroy();
          return;
        }
        const send = () => {
          if (res.destroyed) return;
          const isJson = typeof reply.body === 'object';
          const payload = reply.body === undefined ? '' : isJson ? JSON.stringify(reply.body) : String(reply.body);
          res.writeHead(reply.status, {
            ...(isJson ? { 'content-type': 'application/json' } : {}),
            ...reply.headers,
          });
          res.end(payload);
        };
        if (reply.delayMs === undefined) {
          send();
        } else {
          const timer = setTimeout(() => {
            timers.delete(timer);
            send();
          }, reply.delayMs);
          timers.add(timer);
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearTimeout(timer);
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    };
    if (options.anyHost) server.listen(options.port ?? 0, onListening);
    else server.listen(options.port ?? 0, '127.0.0.1', onListening);
  });
}

/** A port nothing listens on (for now): connections to it are refused. */
export async function unusedPort(): Promise<number> {
  const server = await startScriptedServer([]);
  await server.close();
  return server.port;
}
