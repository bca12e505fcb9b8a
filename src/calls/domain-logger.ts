/**
 * The subset of a pino logger the domain and its adapters write to, so that they depend on no
 * logging library.
 */
export interface DomainLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
