import { performance } from 'node:perf_hooks';
import got, { HTTPError, RequestError, TimeoutError } from 'got';
import type { z } from 'zod';
import { StaticAuthoriser, type Authoriser } from './authoriser.js';
import { BandwidthError, type BandwidthRequestLabel } from './bandwidth-error.js';
import { observeAttempts, type BandwidthClientLogger, type BandwidthRequestObserver } from './request-observer.js';
import { failureReason, type RetryPolicy, type RetryRule } from './retry-policy.js';

export interface BandwidthHttpOptions {
  /** Absolute URL every request path is relative to (`…/v1/users/{userId}`, `…/api/v2/accounts/{accountId}`). */
  root: string;
  /**
   * The `Authorization` header value (v1's fixed Basic header), or what gives one per attempt (v2's
   * OAuth tokens). Never logged and never part of an error.
   */
  authorization: string | Authoriser;
  /** Texts that must never leave in an error message (the secret, the encoded credentials). */
  secrets: readonly string[];
  /** Limit for one attempt (connect, first byte, and whole exchange). */
  timeoutMs: number;
  retry: RetryPolicy;
  logger?: BandwidthClientLogger | undefined;
  observer?: BandwidthRequestObserver | undefined;
}

export interface SendOptions {
  json?: Record<string, unknown>;
  /** A non-JSON body (v2's BXML), sent with `contentType`. */
  body?: { text: string; contentType: string };
  searchParams?: URLSearchParams;
  retry: RetryRule;
  /**
   * The error code to report for an answer with this status, replacing the one read from the body:
   * v2 error bodies carry no code, only a `type` shared by most statuses, so its client names the
   * codes the domain acts on per request.
   */
  errorCodes?: Readonly<Partial<Record<number, string>>>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

/** How many attempts a request made, so a failure after a retry can be told from a first refusal. */
export interface AttemptCounter {
  attempts: number;
}

/**
 * One request to Bandwidth on got: its credentials, timeouts and retry policy, a debug line per
 * attempt and a warn line per retry, the observer told of each, and every failure turned into a
 * {@link BandwidthError} that carries no credentials.
 */
export class BandwidthHttp {
  private readonly root: string;
  private readonly authoriser: Authoriser;
  private readonly secrets: readonly string[];
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: BandwidthClientLogger | undefined;
  private readonly observer: BandwidthRequestObserver | undefined;
  /** Put on every log line; {@link BandwidthHttp.withLogFields} views add our call id. */
  private logFields: Readonly<Record<string, unknown>> = {};

  constructor(options: BandwidthHttpOptions) {
    this.root = options.root;
    this.authoriser =
      typeof options.authorization === 'string' ? new StaticAuthoriser(options.authorization, []) : options.authorization;
    this.secrets = options.secrets;
    this.timeoutMs = options.timeoutMs;
    this.retry = options.retry;
    this.logger = options.logger;
    this.observer = options.observer;
  }

  /** A view sharing everything with this one but the fields it adds to its log lines. */
  withLogFields(fields: Record<string, unknown>): BandwidthHttp {
    const view = Object.create(this) as BandwidthHttp;
    view.logFields = { ...this.logFields, ...fields };
    return view;
  }

  /**
   * Sends one request, retried per its rule. An answer of 401 to an attempt whose credentials the
   * authoriser can renew (an OAuth token) is sent once more with a fresh one, never twice: a second
   * 401 means the credentials themselves are refused.
   */
  async send(method: HttpMethod, path: string, options: SendOptions, counter: AttemptCounter = { attempts: 0 }): Promise<RawResponse> {
    const used: { header?: string } = {};
    try {
      return await this.exchange(method, path, options, counter, used);
    } catch (error) {
      if (!(error instanceof BandwidthError) || error.status !== 401 || used.header === undefined) throw error;
      if (!this.authoriser.rejected(used.header)) throw error;
      this.observer?.retried(endpointOf(method, path));
      this.logger?.warn(
        { ...this.logFields, method, path: new URL(`${this.root}/${path}`).pathname, attempt: counter.attempts + 1, reason: 'status 401' },
        'retrying bandwidth request with fresh credentials',
      );
      return this.exchange(method, path, options, counter, {});
    }
  }

  private async exchange(
    method: HttpMethod,
    path: string,
    options: SendOptions,
    counter: AttemptCounter,
    used: { header?: string },
  ): Promise<RawResponse> {
    const url = new URL(`${this.root}/${path}`);
    if (options.searchParams !== undefined) url.search = options.searchParams.toString();
    // Only the path is logged or put into errors: no origin, no query (phone numbers), no credentials.
    const label: BandwidthRequestLabel = { method, path: url.pathname };
    const logged = { ...this.logFields, ...label };
    const observed = observeAttempts(this.observer, endpointOf(method, path));
    const { elapsedMs } = observed;
    const rule = this.retry.rule(options.retry);
    let plannedDelayMs = 0;
    // A failure to obtain credentials (the token endpoint refused) is kept aside: thrown from a got
    // hook it would come back wrapped as a transport error of the request it never let leave.
    let authorisationFailure: unknown;

    try {
      const response = await got(url, {
        method,
        json: options.json,
        ...(options.body === undefined ? {} : { body: options.body.text }),
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': options.body.contentType }),
        },
        responseType: 'text',
        throwHttpErrors: true,
        // Bandwidth does not redirect; following one would resend a POST (and credentials) elsewhere.
        followRedirect: false,
        timeout: { connect: this.timeoutMs, response: this.timeoutMs, request: this.timeoutMs },
        retry: {
          limit: this.retry.limit,
          methods: [method],
          statusCodes: rule.statusCodes,
          errorCodes: rule.errorCodes,
          // got's limit/method/status/errno checks decide whether to retry; calculateDelay only decides how long to wait.
          enforceRetryRules: true,
          // Otherwise got gives up whenever a Retry-After exceeds the request timeout, which would
          // override the rules above; we pick the wait ourselves.
          maxRetryAfter: Number.POSITIVE_INFINITY,
          calculateDelay: (retry) => {
            plannedDelayMs = this.retry.delayMs(retry);
            return plannedDelayMs;
          },
        },
        hooks: {
          beforeRequest: [
            async (requestOptions) => {
              // Asked per attempt, so a retry after a long back-off goes out with a token still valid.
              try {
                used.header = await this.authoriser.authorization();
              } catch (error) {
                authorisationFailure = error;
                throw error;
              }
              requestOptions.headers.authorization = used.header;
              counter.attempts += 1;
            },
            // Timed once the credentials are in hand.
            ...observed.hooks.beforeRequest,
          ],
          afterResponse: [
            ...observed.hooks.afterResponse,
            (response) => {
              this.logger?.debug(
                { ...logged, status: response.statusCode, durationMs: elapsedMs(), attempt: counter.attempts },
                'bandwidth request',
              );
              return response;
            },
          ],
          beforeRetry: [
            ...observed.hooks.beforeRetry,
            (error) => {
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
        throw BandwidthError.fromResponse(label, raw, (text) => this.redact(text), options.errorCodes?.[raw.status]);
      }
      return raw;
    } catch (error) {
      if (authorisationFailure !== undefined) throw authorisationFailure;
      observed.failed(error);
      throw this.toBandwidthError(error, label, counter.attempts, elapsedMs, options.errorCodes);
    }
  }

  /** Maps got's errors to BandwidthError without carrying over got's error (its options hold the credentials). */
  private toBandwidthError(
    error: unknown,
    label: BandwidthRequestLabel,
    attempts: number,
    elapsedMs: () => number,
    errorCodes: SendOptions['errorCodes'],
  ): unknown {
    if (error instanceof BandwidthError) return error;
    if (error instanceof HTTPError) {
      const { statusCode, headers, body } = error.response;
      return BandwidthError.fromResponse(
        label,
        { status: statusCode, headers, body: typeof body === 'string' ? body : '' },
        (text) => this.redact(text),
        errorCodes?.[statusCode],
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


  decode<T>(response: RawResponse, schema: z.ZodType<T>): T {
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
    for (const secret of [...this.secrets, ...this.authoriser.secrets()]) {
      if (secret !== '') result = result.split(secret).join('[redacted]');
    }
    return result;
  }
}

/** The method and path template (`POST /calls/{callId}/audio`), never a path with ids in it. */
function endpointOf(method: string, path: string): string {
  return `${method} /${path.replace(/^calls\/[^/]+/, 'calls/{callId}')}`;
}
