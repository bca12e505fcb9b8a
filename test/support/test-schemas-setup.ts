import { randomBytes } from 'node:crypto';

/**
 * jest's global setup: names this run's PostgreSQL schemas. The workers start after it and
 * inherit the variable, so every schema the run creates carries the prefix its teardown drops.
 */
export default function nameTestSchemas(): void {
  process.env.TEST_SCHEMA_PREFIX = `test_run_${randomBytes(3).toString('hex')}_`;
}
