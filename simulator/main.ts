import { pino } from 'pino';
import { ConfigError } from '../src/env.js';
import { simulatorOptionsFromEnv } from './env-options.js';
import { startSimulator } from './simulator.js';

/** Gives up on a shutdown that hangs, so Ctrl-C always ends the process. */
const SHUTDOWN_GRACE_MS = 5000;

async function main(): Promise<void> {
  let options;
  try {
    options = simulatorOptionsFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Simulator configuration error: ${error.message}`);
    process.exit(1);
  }
  // LOG_LEVEL=debug shows every API request and callback.
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const simulator = await startSimulator({ ...options, logger });
  logger.info(
    {
      url: simulator.url,
      api: `${simulator.url}/v1`,
      apiV2: `${simulator.url}/api/v2`,
      control: `${simulator.url}/control`,
      userId: options.userId,
      accountId: simulator.v2.accountId,
      applicationIds: simulator.v2.applicationIds,
    },
    'Bandwidth simulator listening (v1 and v2)',
  );

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'Bandwidth simulator stopping');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'simulator did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error('Simulator failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
