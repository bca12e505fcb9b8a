/** The subset of a pino logger the client uses; any pino `Logger` fits. */
export interface BandwidthClientLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
}

/**
 * Watches requests to Bandwidth. `endpoint` is the method and path template
 * (`POST /calls/{callId}/audio`), never a path with ids in it.
 */
export interface BandwidthRequestObserver {
  /** One attempt ended: with Bandwidth's HTTP status, or `error` when no answer came (timeout, reset). */
  attempted(endpoint: string, outcome: number | 'error', durationMs: number): void;
  /** An attempt failed and the request is being sent again. */
  retried(endpoint: string): void;
}

