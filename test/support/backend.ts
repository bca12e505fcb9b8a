import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir, type Env } from './test-service.js';

export type Backend = 'sqlite' | 'postgres';

/**
 * Which backend the running suite is on: the embedded default (SQLite, in-process bus), or the
 * scale-out one (PostgreSQL and Redis, the machine's real servers). `forEachSetup` (matrix.ts)
 * chooses it for each of its suites (none outside them); every test that starts the service gets
 * its storage here.
 */
export let BACKEND: Backend | undefined;

/** Called by `forEachSetup` only, as it registers and runs each suite. */
export function useBackend(backend: Backend): void {
  BACKEND = backend;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Environment for a fresh, private store: a SQLite file in a new directory, or a new PostgreSQL
 * schema and Redis channel prefix (dropped afterwards), so tests never see each other's calls.
 * Services started with the same environment share the store, as instances of one deployment do.
 */
export function storageEnv(): Env {
  if (BACKEND === undefined) {
    throw new Error('a test started the service outside forEachSetup (test/support/matrix.ts): wrap its suite in it, saying where it runs');
  }
  if (BACKEND === 'sqlite') return { DATABASE_URL: `sqlite:${join(tempDir(), 'calls.sqlite')}` };
  const schema = freshTestSchema();
  return { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: schema };
}

/**
 * A PostgreSQL schema name of this run's own, for one test's tables (and Redis prefix). Dropped all
 * together when the run ends (test-schemas-teardown.ts), not by the test: dropping a schema while
 * another worker's migrator introspects the catalogue makes that migrator fail.
 */
export function freshTestSchema(): string {
  return `${TEST_SCHEMA_PREFIX}${randomBytes(6).toString('hex')}`;
}

/**
 * Every schema a test run creates starts with this, so the run can drop its own at its end and
 * leave a run going on beside it alone. jest's global setup picks it per run.
 */
export const TEST_SCHEMA_PREFIX = process.env.TEST_SCHEMA_PREFIX ?? 'test_run_';

/** Drops the schemas this run's tests created (the tables of every call they placed). */
export async function dropTestSchemas(): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [
      `${TEST_SCHEMA_PREFIX.replaceAll('_', '\\_')}%`,
    ]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
    return rows.length;
  } finally {
    await client.end();
  }
}
