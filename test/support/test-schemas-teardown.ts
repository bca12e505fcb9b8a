import { dropTestSchemas } from './backend.js';

/** jest's global teardown: the PostgreSQL schemas this run's tests created go away. */
export default async function dropSchemasOfTests(): Promise<void> {
  await dropTestSchemas();
}
