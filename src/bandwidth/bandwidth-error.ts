import { ProviderError } from '../calls/voice-gateway.js';

/** One `{name, value}` entry of a Bandwidth error body's `details` (e.g. `requestPath`, `remoteAddress`). */
interface BandwidthErrorDetail {
  readonly name: string;
  readonly value: string;
}

/** Everything a {@link BandwidthError} carries; built by the factories below or by the client. */
interface BandwidthErrorInit {
  message: string;
  /**
   * Bandwidth's error code, or one of ours: `network-error`, `timeout`, `http-<status>`,
   * `missing-location`, `missing-call-id`, `invalid-response`, `oauth-error` (no token could be obtained).
   */
  code: string;
  /** HTTP status of Bandwidth's answer; absent when no answer arrived. */
  status?: number;
  /** Bandwidth's error category (`limit`, `not-found`, …) when the body named one. */
  category?: string;
  details?: readonly BandwidthErrorDetail[];
  /** When Bandwidth says a rate-limited (429) request may be sent again. */
  rateLimitResetAt?: Date;
  /**
   * The socket-level error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …) when no answer arrived.
   * Lets a caller tell "certainly never reached Bandwidth" (ECONNREFUSED) from "may have taken effect".
   */
  errno?: string;
}

/** Which request failed, named without credentials, for messages and logs. */
export interface BandwidthRequestLabel {
  method: string;
  /** URL path only (no origin, no query string): never carries credentials. */
  path: string;
}

/**
 * A failure reported by Bandwidth's v1 API, or on the way to it.
 *
 * Built only from plain values (status, headers, body text, errno) — never from the HTTP library's
 * error object, whose request options carry the API credentials.
 */
export class BandwidthError extends ProviderError {
  override readonly name: string = 'BandwidthError';
  readonly details: readonly BandwidthErrorDetail[];
  readonly rateLimitResetAt?: Date;
  readonly errno?: string;

  constructor(init: BandwidthErrorInit) {
    super(init.message, init.code, init.status, init.category, outcomeUnknown(init));
    this.details = init.details ?? [];
    if (init.rateLimitResetAt !== undefined) this.rateLimitResetAt = init.rateLimitResetAt;
    if (init.errno !== undefined) this.errno = init.errno;
  }

  /**
   * Turns a non-2xx answer into an error, reading the v1 §8.1 body (`category`, `code`, `message`,
   * `details`) or v2's (`type`, `description`, which stand in for category and message).
   *
   * `redact` is applied to every text taken from the body, because an intermediary that echoes the
   * request (a debugging proxy, a misconfigured gateway) could put the Authorization header in it.
   */
  static fromResponse(
    request: BandwidthRequestLabel,
    response: { status: number; headers: Record<string, string | string[] | undefined>; body: string },
    redact: (text: string) => string = (text) => text,
    /** The code to report whatever the body says; v2 bodies have none. */
    codeOverride?: string,
  ): BandwidthError {
    const { status } = response;
    const parsed = parseErrorBody(response.body);
    const rateLimitResetAt =
      status === 429 ? parseRateLimitReset(response.headers['x-ratelimit-reset']) : undefined;

    if (parsed === undefined) {
      const snippet = redact(oneLine(response.body, 120));
      return new BandwidthError({
        message: `Bandwidth ${request.method} ${request.path} answered ${status}${snippet ? `: ${snippet}` : ''}`,
        code: codeOverride ?? `http-${status}`,
        status,
        rateLimitResetAt,
      });
    }

    const code = codeOverride ?? parsed.code ?? `http-${status}`;
    const text = parsed.message === undefined ? '' : `: ${redact(oneLine(parsed.message, 500))}`;
    return new BandwidthError({
      message: `Bandwidth ${request.method} ${request.path} answered ${status} ${code}${text}`,
      code,
      status,
      category: parsed.category,
      details: parsed.details.map((detail) => ({ name: detail.name, value: redact(detail.value) })),
      rateLimitResetAt,
    });
  }

  /**
   * Turns "no answer arrived" into an error.
   *
   * Only the errno goes into the message: the HTTP library's own messages and options are left out
   * so that nothing about the request (URL, headers) can leak.
   */
  static fromTransportFailure(
    request: BandwidthRequestLabel,
    failure: { errno?: string; timedOut: boolean; timeoutMs?: number; attempts?: number },
  ): BandwidthError {
    const errno = failure.errno ?? 'UNKNOWN';
    const tries = failure.attempts !== undefined && failure.attempts > 1 ? ` after ${failure.attempts} attempts` : '';
    if (failure.timedOut) {
      const after = failure.timeoutMs === undefined ? '' : ` after ${failure.timeoutMs} ms`;
      return new BandwidthError({
        message: `Bandwidth ${request.method} ${request.path} timed out${after} (${errno})${tries}`,
        code: 'timeout',
        errno,
      });
    }
    return new BandwidthError({
      message: `Bandwidth ${request.method} ${request.path} failed: ${errno}${tries}`,
      code: 'network-error',
      errno,
    });
  }

  /** Keeps the message in JSON logs (Error's own `message` is not enumerable). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      status: this.status,
      category: this.category,
      details: this.details,
      rateLimitResetAt: this.rateLimitResetAt?.toISOString(),
      errno: this.errno,
    };
  }
}

/**
 * Reads `X-RateLimit-Reset`. Bandwidth documents epoch milliseconds; a value small enough to be
 * epoch seconds (before 1973 as milliseconds) is taken as seconds, since some gateways rewrite it so.
 */
export function parseRateLimitReset(header: string | string[] | undefined): Date | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return new Date(value < 1e11 ? value * 1000 : value);
}

interface ParsedErrorBody {
  code?: string;
  message?: string;
  category?: string;
  details: BandwidthErrorDetail[];
}

function parseErrorBody(body: string): ParsedErrorBody | undefined {
  if (body.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  return {
    code: nonEmptyString(record.code),
    message: nonEmptyString(record.message) ?? nonEmptyString(record.description),
    category: nonEmptyString(record.category) ?? nonEmptyString(record.type),
    details: Array.isArray(record.details) ? record.details.flatMap(toDetail) : [],
  };
}

function toDetail(entry: unknown): BandwidthErrorDetail[] {
  if (typeof entry !== 'object' || entry === null) return [];
  const { name, value } = entry as Record<string, unknown>;
  if (typeof name !== 'string') return [];
  return [{ name, value: typeof value === 'string' ? value : JSON.stringify(value) ?? '' }];
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function oneLine(text: string, max: number): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length > max ? `${collapsed.slice(0, max)}…` : collapsed;
}

/** Socket errors raised before a request could reach Bandwidth: nothing can have happened there. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether Bandwidth may have acted on a request that failed: it did not answer (other than a
 * refused connection or a failed lookup), or it failed with a 5xx part-way through.
 */
function outcomeUnknown(init: BandwidthErrorInit): boolean {
  // A 2xx to a create without the new call's id (v1 Location, v2 `callId`): the call may well exist.
  if (init.code === 'missing-location' || init.code === 'missing-call-id') return true;
  // The token endpoint failed, so the request itself never left: whatever its status, nothing happened.
  if (init.code === 'oauth-error') return false;
  if (init.status !== undefined) return init.status >= 500;
  if (init.code === 'timeout') return true;
  return init.code === 'network-error' && !NEVER_SENT.has(init.errno ?? '');
}
