import { existsSync } from 'node:fs';
import { ConfigError, databaseConfig } from '../config.js';
import { openStore } from './open-store.js';

/**
 * `npm run migrate`: brings the database `DATABASE_URL` names up to date and exits. The service
 * migrates at start-up too; running this first lets a deployment roll instances only once the
 * schema is ready.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const database = databaseConfig();
  const store = await openStore(database);
  await store.close();
  const where = database.kind === 'postgres' ? `PostgreSQL schema ${database.schema}` : database.filename;
  console.log(`Database is up to date (${where}).`);
} catch (error) {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
}
