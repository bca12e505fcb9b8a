import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, isPretty } from './logger.js';
import { formatBanner } from './service-banner.js';
import { startServer } from './server.js';

/** `npm start`: read the configuration, start everything, stop cleanly on SIGINT/SIGTERM. */
// Variables already in the environment win over the file, as a process manager expects.
if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const logger = createLogger(config.logLevel, { format: config.logFormat });
const server = await startServer(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});
// Through the logger, so it comes after the lines before it: the pretty transport writes from a worker.
if (isPretty(config.logFormat)) logger.info(formatBanner(server.description));

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server
    .close()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
