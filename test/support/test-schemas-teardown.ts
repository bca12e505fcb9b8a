import { dropTestSchemas } from './backend.js';

/**
 * jest's global setup and teardown: the PostgreSQL schemas of the tests go away when the run
 * ends (and any left by an interrupted run, when the next one starts).
 */
export default async function dropSchemasOfTests(): Promise<void> {
  await dropTestSchemas();
}
