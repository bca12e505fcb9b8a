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

/**
 * How log lines are written: `json` for log collectors, `pretty` for a person at a terminal,
 * `auto` for pretty exactly when stdout is a terminal.
 */
export type LogFormat = 'auto' | 'json' | 'pretty';

export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** Whether `format` writes readable lines rather than JSON, here and now. */
export function isPretty(format: LogFormat): boolean {
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
}

/**
 * The service's logger: JSON lines to stdout, or to `destination` (tests capture it); or, when
 * {@link isPretty}, one readable line per entry through pino's own pretty transport, which runs
 * in a worker thread and is loaded only then.
 */
export function createLogger(level: string, { destination, format = 'json' }: { destination?: NodeJS.WritableStream; format?: LogFormat } = {}): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (!isPretty(format)) return pino(options);
  return pino({
    ...options,
    transport: {
      target: 'pino-pretty',
      options: { colorize: process.stdout.isTTY === true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    },
  });
}
