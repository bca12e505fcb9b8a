import { pino, type Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear, so a credential that reaches a log line by
 * accident (a header, a URL in an error) is never written.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  'apiSecret',
  'apiToken',
  'connectionParams',
  '*.password',
  '*.apiSecret',
  '*.apiToken',
];

/** The service's logger: JSON lines to stdout, or to `destination` (tests capture it). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
