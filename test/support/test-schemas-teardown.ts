import { dropTestSchemas } from './backend.js';

/** jest's global teardown: the PostgreSQL schemas this run's tests created go away. */
export default async function dropSchemasOfTests(): Promise<void> {
  try {
    await dropTestSchemas();
  } catch (error) {
    // No PostgreSQL server to reach, so this run created no schema there: a run of tests that
    // need none (`npm run test:domain`) must not fail for want of one.
    if ((error as { code?: unknown }).code !== 'ECONNREFUSED') throw error;
  }
}
