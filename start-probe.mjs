import { loadConfig } from './dist/src/config.js';
import { startServer } from './dist/src/server.js';
import { pino } from 'pino';
import { mkdtempSync } from 'node:fs';
const logger = pino({ level: 'silent' });
const kind = process.argv[2] ?? 'sqlite';
const times = [];
for (let i = 0; i < 12; i++) {
  const schema = 'test_run_start_' + Math.random().toString(16).slice(2, 10);
  const env = { HOST: '127.0.0.1', PORT: '0', SIMULATOR_PORT: '0', LOG_LEVEL: 'silent',
    ...(kind === 'sqlite' ? { DATABASE_URL: 'sqlite:' + mkdtempSync('/tmp/s-') + '/c.sqlite' } : { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: schema, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: schema }) };
  let t = performance.now();
  const server = await startServer(loadConfig(env), logger);
  const started = performance.now() - t; t = performance.now();
  await server.close();
  times.push([started.toFixed(0), (performance.now() - t).toFixed(0)]);
}
console.log(kind, JSON.stringify(times));
