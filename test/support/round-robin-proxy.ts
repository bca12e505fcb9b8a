import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy handled, for tests that check where the load went. */
export interface ProxiedRequest {
  method: string;
  /** When the request arrived (epoch ms). */
  receivedAt: number;
  /** Path and query, as received. */
  path: string;
  /** Base URL of the upstream that answered; null when none did (the client got a 502). */
  upstream: string | null;
  /** Upstreams skipped because they refused the connection, in the order they were tried. */
  refused: string[];
  status: number;
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`: give it to Bandwidth as the service's PUBLIC_URL. */
  url: string;
  /** Every request handled so far, in the order they were answered. */
  readonly log: readonly ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so a proxy must not
 * pass them on; `host` and `content-length` are set again for the upstream request.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * A real HTTP load balancer in front of several service instances, for multi-instance tests.
 *
 * Why: behind a real load balancer, consecutive webhooks of one call land on different instances,
 * and an instance that dies drops out of rotation. Tests of a deployment with several instances
 * need exactly that, deterministically: so each request goes to the next upstream in turn
 * (Bandwidth sends one call's events one at a time, so they alternate between two instances), and
 * an upstream that refuses the connection (a killed instance) is skipped for the next one, like a
 * balancer's passive health check.
 *
 * Only a refused connection moves a request on to the next upstream: then nothing was sent, so
 * retrying cannot apply a webhook twice. Any failure after the connection was made (a reset, an
 * instance killed mid-request) answers `502`, leaving the retry to the client, as Bandwidth would.
 * The request body is read in full before forwarding, which is what lets it be sent again.
 *
 * Plain HTTP only: no WebSocket upgrade (subscribers connect to an instance directly, which is what
 * the tests want to control anyway), no keep-alive to upstreams (a pooled socket to a killed
 * instance would fail with a reset instead of a clean refusal).
 */
export async function startRoundRobinProxy(upstreams: string[]): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new Error('a proxy needs at least one upstream');
  const targets = upstreams.map((upstream) => new URL(upstream));
  const log: ProxiedRequest[] = [];
  let next = 0;

  const server = http.createServer((request, response) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => response.destroy());
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next;
      next = (next + 1) % targets.length;
      const record: ProxiedRequest = {
        method: request.method ?? 'GET',
        receivedAt,
        path: request.url ?? '/',
        upstream: null,
        refused: [],
        status: 0,
      };
      response.once('close', () => log.push(record));
      const tryUpstream = (offset: number): void => {
        if (offset >= targets.length) {
          record.status = 502;
          badGateway(response, { error: 'bad-gateway', message: 'no upstream accepted the connection', refused: record.refused });
          return;
        }
        const target = targets[(first + offset) % targets.length]!;
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
        }
        headers.host = target.host;
        headers['content-length'] = body.length;
        const upstreamRequest = http.request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            method: request.method,
            path: request.url,
            headers,
            agent: false,
          },
          (upstreamResponse) => {
            record.upstream = target.origin;
            record.status = upstreamResponse.statusCode ?? 0;
            const responseHeaders: http.OutgoingHttpHeaders = {};
            for (const [name, value] of Object.entries(upstreamResponse.headers)) {
              if (!HOP_BY_HOP.has(name) && value !== undefined) responseHeaders[name] = value;
            }
            response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, responseHeaders);
            upstreamResponse.pipe(response);
            // The instance died mid-answer: the client must see a broken response, not a short one.
            upstreamResponse.on('error', () => response.destroy());
            upstreamResponse.on('aborted', () => response.destroy());
          },
        );
        upstreamRequest.on('error', (error: NodeJS.ErrnoException) => {
          if (record.upstream !== null) return; // the response had started; its own handlers end it
          if (error.code === 'ECONNREFUSED') {
            record.refused.push(target.origin);
            tryUpstream(offset + 1);
            return;
          }
          record.upstream = target.origin;
          record.status = 502;
          if (response.headersSent) {
            response.destroy();
            return;
          }
          badGateway(response, { error: 'bad-gateway', message: `upstream ${target.origin} failed: ${error.code ?? error.message}` });
        });
        upstreamRequest.end(body);
      };
      tryUpstream(0);
    });
  });
  // Idle client connections go soon; close() drops whatever is left.
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function badGateway(response: http.ServerResponse, body: object): void {
  const message = JSON.stringify(body);
  response.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(message) });
  response.end(message);
}
