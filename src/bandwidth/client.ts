import { performance } from 'node:perf_hooks';
import got, { HTTPError, RequestError, TimeoutError, type RetryObject } from 'got';
import { z } from 'zod';
import type { CreateProviderCall, ProviderCallStatus, VoiceGateway } from '../calls/voice-gateway.js';
import { BandwidthError, parseRateLimitReset, type BandwidthRequestLabel } from './bandwidth-error.js';
import { toProviderCallStatus } from './call-status.js';

/** The subset of a pino logger the client uses; any pino `Logger` fits. */
export interface BandwidthClientLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
}

export interface BandwidthClientOptions {
  /**
   * Origin of the API, e.g. `https://api.catapult.inetwork.com`, or a simulator's. The client adds
   * `/v1/users/{userId}/…` itself so one setting serves both; credentials do not belong in it.
   */
  baseUrl: string;
  /** The `u-…` id that owns the calls; every v1 call resource lives under it. */
  userId: string;
  /** HTTP Basic username. */
  apiToken: string;
  /** HTTP Basic password. Never logged and never part of an error. */
  apiSecret: string;
  /**
   * Limit for one attempt (connect, first byte, and whole exchange), default 10 000 ms. Explicit
   * because without one a hung connection would hold a request — and the caller — forever.
   */
  timeoutMs?: number;
  /**
   * How many times a failed request may be sent again, default 3. Applies only to failures the
   * request's retry rule allows: reads and state updates on anything transient, `playAudio` and
   * `createCall` only when Bandwidth certainly did nothing.
   */
  retryLimit?: number;
  /**
   * Cap on any wait before a retry. Default: 5 000 ms for exponential back-off and 30 000 ms for
   * waiting out a 429's `X-RateLimit-Reset`; when set, it caps both, so tests and latency-sensitive
   * callers can bound the total time a request may take.
   */
  maxRetryDelayMs?: number;
  /** Receives one debug line per attempt and one warn line per retry; silent when absent. */
  logger?: BandwidthClientLogger | undefined;
  /** Told of every attempt and retry, for metrics; the adapter itself stays free of any metrics library. */
  observer?: BandwidthRequestObserver | undefined;
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

/** Call states of §3.2; other strings are let through so a new state does not break reads. */
export type BandwidthCallState = 'started' | 'active' | 'rejected' | 'completed' | 'transferring';

/** A call resource as `GET /calls/{callId}` returns it (§3.1). Only `id` and `state` are guaranteed. */
export interface BandwidthCall {
  id: string;
  state: BandwidthCallState | (string & {});
  direction?: 'in' | 'out' | (string & {});
  from?: string;
  to?: string;
  startTime?: string;
  activeTime?: string;
  endTime?: string;
  callTimeout?: number;
  callbackUrl?: string;
  callbackHttpMethod?: string;
  callbackTimeout?: number;
  fallbackUrl?: string;
  chargeableDuration?: number;
  bridgeId?: string;
  bridge?: string;
  conferenceId?: string;
  conference?: string;
  events?: string;
  recordings?: string;
  transcriptions?: string;
  recordingEnabled?: boolean;
  recordingFileFormat?: string;
  recordingMaxDuration?: number;
  transcriptionEnabled?: boolean;
  tag?: string;
  sipHeaders?: Record<string, string>;
  transferTo?: string;
  transferCallerId?: string;
  whisperAudio?: Record<string, unknown>;
}

/** Query of `GET /calls` (§3.3). */
export interface ListCallsQuery {
  /** Zero-based page, default 0 on Bandwidth's side. */
  page?: number;
  /** Page size, default 25, at most 1000. */
  size?: number;
  /** By `startTime`; Bandwidth's default is `desc`. */
  sortOrder?: 'asc' | 'desc';
  /** Only calls from this number (E.164; the `+` is escaped for you). */
  from?: string;
  /** Only calls to this number or SIP address. */
  to?: string;
}

/** One entry of a call's internal event log (§3.4) — not a webhook payload. */
export interface BandwidthCallEvent {
  id: string;
  /** As sent: ISO 8601 text or epoch milliseconds. */
  time?: string | number;
  name: string;
  /** `start`/`done`, a hangup cause, or JSON text; non-text values are re-encoded as JSON. */
  data?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_LIMIT = 3;
const DEFAULT_BACKOFF_CAP_MS = 5_000;
const DEFAULT_RATE_LIMIT_WAIT_CAP_MS = 30_000;
/** First back-off step; doubles per attempt. Short because 503 `call-unavailable` clears quickly. */
const BACKOFF_BASE_MS = 250;
/** Spread clients that wait for the same `X-RateLimit-Reset` so they do not all return at once. */
const RATE_LIMIT_JITTER_MS = 50;

/** Errnos of a connection that broke or never formed (got's own list plus a few Node reports). */
const TRANSIENT_ERRNOS = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRINUSE',
];
const SERVER_ERROR_STATUSES = Array.from({ length: 100 }, (_, index) => 500 + index);

/**
 * When a request may be sent again. Each rule lists exactly the failures after which a second copy
 * cannot do harm; got's defaults (which never retry POST, but would retry a POST we mark retryable on
 * any 5xx or reset) are replaced wholesale per request.
 */
type RetryRule = 'repeatable' | 'start-audio' | 'create-call';

const RETRY_RULES: Record<RetryRule, { statusCodes: number[]; errorCodes: string[] }> = {
  // Reads, state updates and stop-audio end in the same state however often they are applied.
  repeatable: { statusCodes: [408, 429, ...SERVER_ERROR_STATUSES], errorCodes: TRANSIENT_ERRNOS },
  // A reset or timeout after sending may mean the file is already playing: only 429 and 503 (Bandwidth
  // refused) and ECONNREFUSED (nothing was sent) prove it is not.
  'start-audio': { statusCodes: [429, 503], errorCodes: ['ECONNREFUSED'] },
  // A second create rings the phone twice, so only proof that nothing happened allows a retry;
  // everything else is left to the caller, who can look the call up by its tag.
  'create-call': { statusCodes: [429], errorCodes: ['ECONNREFUSED'] },
};

interface SendOptions {
  json?: Record<string, unknown>;
  searchParams?: URLSearchParams;
  retry: RetryRule;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

/** How many attempts a request made, so a failure after a retry can be told from a first refusal. */
interface AttemptCounter {
  attempts: number;
}

/** Bandwidth v1 Voice API client: the {@link VoiceGateway} the call domain uses, plus a few reads. */
export class BandwidthClient implements VoiceGateway {
  private readonly usersRoot: string;
  private readonly authorization: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly retryLimit: number;
  private readonly backoffCapMs: number;
  private readonly rateLimitWaitCapMs: number;
  private readonly logger: BandwidthClientLogger | undefined;
  private readonly observer: BandwidthRequestObserver | undefined;
  /** Put on every log line; `forCall` views set our call id here. */
  private logFields: Readonly<Record<string, unknown>> = {};

  constructor(options: BandwidthClientOptions) {
    for (const key of ['userId', 'apiToken', 'apiSecret'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new TypeError(`BandwidthClient: ${key} must be a non-empty string`);
      }
    }
    this.usersRoot = usersRoot(options.baseUrl, options.userId);
    const credentials = Buffer.from(`${options.apiToken}:${options.apiSecret}`).toString('base64');
    this.authorization = `Basic ${credentials}`;
    this.secrets = [options.apiSecret, credentials];
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.retryLimit = nonNegativeInteger('retryLimit', options.retryLimit, DEFAULT_RETRY_LIMIT);
    const cap = options.maxRetryDelayMs === undefined ? undefined : nonNegative('maxRetryDelayMs', options.maxRetryDelayMs);
    this.backoffCapMs = cap ?? DEFAULT_BACKOFF_CAP_MS;
    this.rateLimitWaitCapMs = cap ?? DEFAULT_RATE_LIMIT_WAIT_CAP_MS;
    this.logger = options.logger;
    this.observer = options.observer;
  }

  /** A view sharing everything with this client (connections, limits, observer) but the `callId` it logs. */
  forCall(callId: string): BandwidthClient {
    const view = Object.create(this) as BandwidthClient;
    view.logFields = { ...this.logFields, callId };
    return view;
  }

  /**
   * `POST /calls`. Retried only on 429 and ECONNREFUSED; after a timeout, reset or 5xx the call may
   * exist, so the error is surfaced for the caller to reconcile (by tag) rather than ringing twice.
   */
  async createCall(request: CreateProviderCall): Promise<{ providerCallId: string }> {
    const response = await this.send('POST', 'calls', {
      json: {
        from: request.from,
        to: request.to,
        callTimeout: request.callTimeoutSeconds,
        callbackUrl: request.callbackUrl,
        callbackHttpMethod: 'POST',
        tag: request.tag,
      },
      retry: 'create-call',
    });
    const providerCallId = callIdFromLocation(response.headers.location, response.url);
    if (providerCallId === undefined) {
      throw new BandwidthError({
        message:
          `Bandwidth POST ${new URL(response.url).pathname} answered ${response.status} without a usable ` +
          'Location header; the call may exist',
        code: 'missing-location',
        status: response.status,
      });
    }
    return { providerCallId };
  }

  /** `GET /calls/{callId}`. */
  async getCall(callId: string): Promise<BandwidthCall> {
    const response = await this.send('GET', `calls/${pathSegment(callId)}`, { retry: 'repeatable' });
    return this.decode(response, callSchema);
  }

  /** `GET /calls` with the documented query parameters. */
  async listCalls(query: ListCallsQuery = {}): Promise<BandwidthCall[]> {
    const searchParams = new URLSearchParams();
    for (const key of ['page', 'size', 'sortOrder', 'from', 'to'] as const) {
      const value = query[key];
      if (value !== undefined) searchParams.set(key, String(value));
    }
    const response = await this.send('GET', 'calls', { searchParams, retry: 'repeatable' });
    return this.decode(response, z.array(callSchema));
  }

  /** `GET /calls/{callId}/events`: Bandwidth's own log of what happened on the call. */
  async getCallEvents(callId: string): Promise<BandwidthCallEvent[]> {
    const response = await this.send('GET', `calls/${pathSegment(callId)}/events`, { retry: 'repeatable' });
    return this.decode(response, z.array(callEventSchema));
  }

  /** The call as Bandwidth sees it, with the hangup cause from its event log; null for `404`. */
  async getCallStatus(providerCallId: string): Promise<ProviderCallStatus | null> {
    let call: BandwidthCall;
    try {
      call = await this.getCall(providerCallId);
    } catch (error) {
      if (error instanceof BandwidthError && error.status === 404) return null;
      throw error;
    }
    const ended = call.state === 'completed' || call.state === 'rejected';
    return toProviderCallStatus(call, ended ? await this.getCallEvents(providerCallId) : []);
  }

  /**
   * Finds a call we placed by its tag. v1 cannot filter by tag, so this lists the newest calls to
   * the same number and picks ours: enough for the minutes after a create whose answer was lost.
   */
  async findCallByTag(tag: string, to: string): Promise<ProviderCallStatus | null> {
    const calls = await this.listCalls({ to, size: 100, sortOrder: 'desc' });
    const call = calls.find((candidate) => candidate.tag === tag);
    return call ? this.getCallStatus(call.id) : null;
  }

  async answer(providerCallId: string): Promise<void> {
    await this.updateState(providerCallId, 'active');
  }

  async reject(providerCallId: string): Promise<void> {
    await this.updateState(providerCallId, 'rejected');
  }

  async hangUp(providerCallId: string): Promise<void> {
    await this.updateState(providerCallId, 'completed');
  }

  /** `POST /calls/{callId}/audio`; retried only when Bandwidth certainly did not start the file. */
  async playAudio(providerCallId: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void> {
    await this.send('POST', `calls/${pathSegment(providerCallId)}/audio`, {
      json: { fileUrl: audio.fileUrl, loopEnabled: audio.loop, tag: audio.tag },
      retry: 'start-audio',
    });
  }

  /** `POST /calls/{callId}/audio` with an empty `fileUrl`, which stops the current file. */
  async stopAudio(providerCallId: string): Promise<void> {
    const counter: AttemptCounter = { attempts: 0 };
    try {
      await this.send('POST', `calls/${pathSegment(providerCallId)}/audio`, { json: { fileUrl: '' }, retry: 'repeatable' }, counter);
    } catch (error) {
      // After a retry, "nothing is playing" most likely means our earlier attempt stopped it: the goal holds.
      if (counter.attempts > 1 && error instanceof BandwidthError && error.code === 'call-audio-invalid-state') return;
      throw error;
    }
  }

  private async updateState(callId: string, state: 'active' | 'rejected' | 'completed'): Promise<void> {
    const counter: AttemptCounter = { attempts: 0 };
    try {
      await this.send('POST', `calls/${pathSegment(callId)}`, { json: { state }, retry: 'repeatable' }, counter);
    } catch (error) {
      // A retried update refused with call-invalid-state may be refusing our own earlier, unacknowledged
      // success; the call's actual state decides whether the caller's goal was reached.
      if (counter.attempts > 1 && error instanceof BandwidthError && error.code === 'call-invalid-state') {
        const call = await this.getCall(callId).catch(() => undefined);
        if (call?.state === state) return;
      }
      throw error;
    }
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    options: SendOptions,
    counter: AttemptCounter = { attempts: 0 },
  ): Promise<RawResponse> {
    const url = new URL(`${this.usersRoot}/${path}`);
    if (options.searchParams !== undefined) url.search = options.searchParams.toString();
    // Only the path is logged or put into errors: no origin, no query (phone numbers), no credentials.
    const label: BandwidthRequestLabel = { method, path: url.pathname };
    const logged = { ...this.logFields, ...label };
    const endpoint = `${method} /${path.replace(/^calls\/[^/]+/, 'calls/{callId}')}`;
    const observer = this.observer;
    const rule = RETRY_RULES[options.retry];
    let attemptStartedAt = performance.now();
    let plannedDelayMs = 0;
    const elapsedMs = () => Math.round(performance.now() - attemptStartedAt);

    try {
      const response = await got(url, {
        method,
        json: options.json,
        headers: { authorization: this.authorization, accept: 'application/json' },
        responseType: 'text',
        throwHttpErrors: true,
        // Bandwidth does not redirect; following one would resend a POST (and credentials) elsewhere.
        followRedirect: false,
        timeout: { connect: this.timeoutMs, response: this.timeoutMs, request: this.timeoutMs },
        retry: {
          limit: this.retryLimit,
          methods: [method],
          statusCodes: rule.statusCodes,
          errorCodes: rule.errorCodes,
          // got's limit/method/status/errno checks decide whether to retry; calculateDelay only decides how long to wait.
          enforceRetryRules: true,
          // Otherwise got gives up whenever a Retry-After exceeds the request timeout, which would
          // override the rules above; we pick the wait ourselves.
          maxRetryAfter: Number.POSITIVE_INFINITY,
          calculateDelay: (retry) => {
            plannedDelayMs = this.retryDelayMs(retry);
            return plannedDelayMs;
          },
        },
        hooks: {
          beforeRequest: [
            () => {
              counter.attempts += 1;
              attemptStartedAt = performance.now();
            },
          ],
          afterResponse: [
            (response) => {
              observer?.attempted(endpoint, response.statusCode, elapsedMs());
              this.logger?.debug(
                { ...logged, status: response.statusCode, durationMs: elapsedMs(), attempt: counter.attempts },
                'bandwidth request',
              );
              return response;
            },
          ],
          beforeRetry: [
            (error) => {
              if (!error.response) observer?.attempted(endpoint, 'error', elapsedMs());
              observer?.retried(endpoint);
              this.logger?.warn(
                { ...logged, attempt: counter.attempts + 1, reason: failureReason(error), waitedMs: Math.round(plannedDelayMs) },
                'retrying bandwidth request',
              );
            },
          ],
        },
      });
      const raw: RawResponse = {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        url: response.url,
      };
      if (raw.status < 200 || raw.status > 299) {
        throw BandwidthError.fromResponse(label, raw, (text) => this.redact(text));
      }
      return raw;
    } catch (error) {
      if (error instanceof RequestError && !error.response) observer?.attempted(endpoint, 'error', elapsedMs());
      throw this.toBandwidthError(error, label, counter.attempts, elapsedMs);
    }
  }

  /** Maps got's errors to BandwidthError without carrying over got's error (its options hold the credentials). */
  private toBandwidthError(
    error: unknown,
    label: BandwidthRequestLabel,
    attempts: number,
    elapsedMs: () => number,
  ): unknown {
    if (error instanceof BandwidthError) return error;
    if (error instanceof HTTPError) {
      const { statusCode, headers, body } = error.response;
      return BandwidthError.fromResponse(
        label,
        { status: statusCode, headers, body: typeof body === 'string' ? body : '' },
        (text) => this.redact(text),
      );
    }
    if (error instanceof RequestError) {
      const errno = error.code;
      const timedOut = error instanceof TimeoutError || errno === 'ETIMEDOUT';
      this.logger?.debug({ ...this.logFields, ...label, errno, durationMs: elapsedMs(), attempt: attempts }, 'bandwidth request failed');
      return BandwidthError.fromTransportFailure(label, {
        errno,
        timedOut,
        timeoutMs: error instanceof TimeoutError ? this.timeoutMs : undefined,
        attempts,
      });
    }
    return error;
  }

  private retryDelayMs({ attemptCount, error, retryAfter }: RetryObject): number {
    const response = error.response;
    if (response?.statusCode === 429) {
      // X-RateLimit-Reset says when Bandwidth will accept again; backing off blindly could come back too early.
      const resetAt = parseRateLimitReset(response.headers['x-ratelimit-reset']);
      const waitMs = resetAt !== undefined ? resetAt.getTime() - Date.now() : retryAfter;
      if (waitMs !== undefined && Number.isFinite(waitMs)) {
        return clamp(Math.max(waitMs, 0) + Math.random() * RATE_LIMIT_JITTER_MS, 1, this.rateLimitWaitCapMs);
      }
    }
    // "Equal jitter": at least half the exponential step, so retries never bunch up near zero.
    const step = Math.min(this.backoffCapMs, BACKOFF_BASE_MS * 2 ** (attemptCount - 1));
    return Math.max(1, step / 2 + (Math.random() * step) / 2);
  }

  private decode<T>(response: RawResponse, schema: z.ZodType<T>): T {
    const fail = (reason: string) =>
      new BandwidthError({
        message: `Bandwidth GET ${new URL(response.url).pathname} answered ${response.status} with an unexpected body: ${reason}`,
        code: 'invalid-response',
        status: response.status,
      });
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      throw fail('not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw fail(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  /** Removes our credentials, and any userinfo in URLs (e.g. the callback URL's), from provider-supplied text. */
  private redact(text: string): string {
    let result = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1[redacted]@');
    for (const secret of this.secrets) result = result.split(secret).join('[redacted]');
    return result;
  }
}

function usersRoot(baseUrl: string, userId: string): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError('BandwidthClient: baseUrl must be an absolute http(s) URL');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TypeError('BandwidthClient: baseUrl must be an absolute http(s) URL');
  }
  if (base.username !== '' || base.password !== '') {
    throw new TypeError('BandwidthClient: baseUrl must not carry credentials; use apiToken and apiSecret');
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  if (/\/v1$/.test(prefix)) {
    throw new TypeError('BandwidthClient: baseUrl must not end in /v1; the client adds /v1/users/{userId} itself');
  }
  return `${base.origin}${prefix}/v1/users/${encodeURIComponent(userId)}`;
}

/** The id is the last segment of the Location URL, which must name a resource under `calls/`. */
function callIdFromLocation(header: string | string[] | undefined, requestUrl: string): string | undefined {
  const location = Array.isArray(header) ? header[0] : header;
  if (location === undefined || location.trim() === '') return undefined;
  try {
    const segments = new URL(location.trim(), requestUrl).pathname.split('/').filter((segment) => segment !== '');
    if (segments.length < 2 || segments[segments.length - 2] !== 'calls') return undefined;
    const id = decodeURIComponent(segments[segments.length - 1]);
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

/** Ids go into the path escaped, and an empty one is refused: `calls/` + '' would address the collection. */
function pathSegment(id: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('BandwidthClient: call id must be a non-empty string');
  return encodeURIComponent(id);
}

function failureReason(error: RequestError): string {
  return error instanceof HTTPError ? `status ${error.response.statusCode}` : (error.code ?? 'unknown error');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(max, min));
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`BandwidthClient: ${name} must be a positive number`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`BandwidthClient: ${name} must be a non-negative number`);
  return value;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`BandwidthClient: ${name} must be a non-negative integer`);
  return value;
}

// Response schemas: null is read as "not set" (the v1 API tolerated nulls), and flags/numbers
// are accepted in their text form too, as some v1 payloads carried them that way.
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
  .nullish()
  .transform((value) => value ?? undefined);
const count = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .nullish()
  .transform((value) => value ?? undefined);

const callSchema: z.ZodType<BandwidthCall> = z.looseObject({
  id: z.string().min(1),
  state: z.string().min(1),
  direction: text,
  from: text,
  to: text,
  startTime: text,
  activeTime: text,
  endTime: text,
  callTimeout: count,
  callbackUrl: text,
  callbackHttpMethod: text,
  callbackTimeout: count,
  fallbackUrl: text,
  chargeableDuration: count,
  bridgeId: text,
  bridge: text,
  conferenceId: text,
  conference: text,
  events: text,
  recordings: text,
  transcriptions: text,
  recordingEnabled: flag,
  recordingFileFormat: text,
  recordingMaxDuration: count,
  transcriptionEnabled: flag,
  tag: text,
  sipHeaders: z
    .record(z.string(), z.string())
    .nullish()
    .transform((value) => value ?? undefined),
  transferTo: text,
  transferCallerId: text,
  whisperAudio: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((value) => value ?? undefined),
});

const callEventSchema: z.ZodType<BandwidthCallEvent> = z.looseObject({
  id: z.string().min(1),
  time: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((value) => value ?? undefined),
  name: z.string(),
  data: z
    .unknown()
    .transform((value) =>
      value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value),
    )
    .optional(),
});
