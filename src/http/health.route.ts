import type { FastifyInstance } from 'fastify';

/** A dependency the instance needs to serve requests, checked by `/readyz`. */
type ReadinessCheck = () => Promise<boolean>;

export interface HealthRouteOptions {
  /** Named checks (`store`, `redis`, …); each must answer within `timeoutMs`. */
  checks: Record<string, ReadinessCheck>;
  timeoutMs?: number;
}

/**
 * `GET /healthz`: the process is up (for restarts). `GET /readyz`: it can serve, because every
 * dependency answers (for the load balancer, which should stop sending traffic when it cannot).
 * Both answer JSON; a failed readiness check answers `503` naming what failed.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): void {
  const timeoutMs = options.timeoutMs ?? 2000;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(options.checks).map(async ([name, check]) => [name, await withinTime(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries.map(([name, ok]) => [name, ok ? 'ok' : 'failing']));
    const ready = entries.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}

async function withinTime(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
