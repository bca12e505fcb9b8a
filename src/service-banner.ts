import { redactRedisUrl } from './change-bus/redis-url.js';
import type { Config } from './config.js';

/** Where a running service answers, and what it runs on: the start-up line and the banner. */
export interface ServiceDescription {
  graphql: string;
  /** GraphiQL, served at the GraphQL URL to browsers; absent when `GRAPHQL_EXPLORER` is off. */
  explorer?: string;
  console?: string;
  metrics: string;
  /** The built-in simulator's base URL (its control API is under `/control`). */
  simulator?: string;
  /** Where Bandwidth sends its webhooks. */
  publicUrl: string;
  bandwidth: string;
  database: string;
  changeBus: string;
}

/** What the `listening` line and the banner say, from the configuration and where the service ended up listening. */
export function describeService(
  config: Config,
  urls: { url: string; publicUrl: string; consolePath?: string; simulator?: string },
): ServiceDescription {
  const { bandwidth, database, redis } = config;
  const graphql = `${urls.url}/graphql`;
  return {
    graphql,
    ...(config.graphqlExplorer ? { explorer: graphql } : {}),
    ...(urls.consolePath ? { console: `${urls.url}${urls.consolePath}` } : {}),
    metrics: `${urls.url}/metrics`,
    ...(urls.simulator ? { simulator: urls.simulator } : {}),
    publicUrl: urls.publicUrl,
    bandwidth: bandwidth.mode === 'simulator' ? `built-in simulator, ${bandwidth.apiVersion} API` : `Bandwidth ${bandwidth.apiVersion} API`,
    database: database.kind === 'sqlite' ? `SQLite, ${database.filename}` : `PostgreSQL, ${postgresWhere(database.url)}, schema ${database.schema}`,
    changeBus: redis ? `Redis, ${redactRedisUrl(redis.url)}, prefix ${redis.prefix}` : 'in-process (one instance)',
  };
}

/** The banner a person at a terminal sees once the service is ready: every URL and the mode. */
export function formatBanner(description: ServiceDescription): string {
  const rows: Array<[string, string | undefined]> = [
    ['GraphQL', description.graphql],
    ['Explorer', description.explorer && `${description.explorer} (open it in a browser)`],
    ['Console', description.console],
    ['Metrics', description.metrics],
    ['Simulator', description.simulator && `${description.simulator} (control API under /control)`],
    ['Webhooks to', description.publicUrl],
    ['Bandwidth', description.bandwidth],
    ['Database', description.database],
    ['Changes', description.changeBus],
  ];
  const lines = rows.filter((row): row is [string, string] => row[1] !== undefined).map(([label, value]) => `  ${label.padEnd(12)}${value}`);
  return ['Ready.', ...lines, '  Stop it with Ctrl-C.'].join('\n');
}

/** Host, port and database of a PostgreSQL URL: never its user or password. */
function postgresWhere(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'a PostgreSQL URL that does not parse';
  }
}
