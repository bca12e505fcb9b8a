/**
 * How long the HTTP server waits on a client, and how many it serves at once: a public API behind
 * a load balancer must not let slow or idle clients hold its sockets.
 */
export interface HttpLimits {
  /**
   * Time from a connection's first byte to the end of a request's headers. A client that trickles
   * its headers is answered `408` and closed once it passes.
   * @default 10000
   */
  headersTimeoutMs: number;
  /**
   * Time to receive a whole request, body included (`408` after it). Webhooks and GraphQL bodies
   * are at most 64 KiB.
   * @default 30000
   */
  requestTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open. Behind a load balancer it must be longer
   * than the balancer's own idle timeout (AWS ALB 60 s, nginx 60 s), so the balancer always closes
   * first: a server that closes first can do so as the balancer sends a request on the connection,
   * and that request fails with `502`. Without a balancer, set it lower.
   * @default 65000
   */
  keepAliveTimeoutMs: number;
  /**
   * Connections open at once, WebSockets included; the next one is closed as soon as it is
   * accepted, and a load balancer sends its request to another instance.
   * @default 20000
   */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 20_000,
};

/**
 * How often Node checks connections against the headers and request timeouts. Its default, 30 s,
 * would let a 10 s timeout run to 40 s.
 */
export function timeoutCheckIntervalMs(limits: HttpLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}
