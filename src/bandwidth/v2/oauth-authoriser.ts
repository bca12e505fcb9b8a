import got, { HTTPError, RequestError, TimeoutError } from 'got';
import type { Authoriser } from '../authoriser.js';
import { BandwidthError } from '../bandwidth-error.js';
import { observeAttempts, type BandwidthClientLogger, type BandwidthRequestObserver } from '../request-observer.js';
import { positive, RetryPolicy } from '../retry-policy.js';
import { DEFAULT_BANDWIDTH_TIMEOUT_MS, DEFAULT_OAUTH_TOKEN_URL } from '../bandwidth-defaults.js';

/** The endpoint label token requests are counted under, beside the API's own endpoints. */
export const OAUTH_TOKEN_ENDPOINT = 'POST /oauth2/token';
/** Renew a token this long before it expires at most… */
const MAX_REFRESH_MARGIN_MS = 60_000;
/** …and at most this share of its life, so a short-lived token is still used for most of it. */
const REFRESH_MARGIN_SHARE = 0.1;
/** Life assumed for a token whose answer names none: short, so a wrong guess costs one refetch. */
const FALLBACK_LIFETIME_S = 60;
const TRANSIENT_ERRNOS = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];

export interface OAuthAuthoriserOptions {
  /**
   * Token endpoint, default {@link DEFAULT_OAUTH_TOKEN_URL}. Configurable because Bandwidth's own
   * code names two hosts, and so a simulator can issue tokens.
   */
  tokenUrl?: string;
  clientId: string;
  /** Never logged and never part of an error. */
  clientSecret: string;
  /** Limit for one token request, default 10 000 ms: a hung token endpoint would hold every request. */
  timeoutMs?: number;
  /**
   * How often a token request failing with 429, a 5xx or a broken connection is sent again, default 2.
   * Safe: asking for a token twice changes nothing.
   */
  retryLimit?: number;
  /** Cap on the wait before a retry, as for API requests. */
  maxRetryDelayMs?: number;
  logger?: BandwidthClientLogger | undefined;
  /** Told of every attempt at the token endpoint and every retry, for metrics ({@link OAUTH_TOKEN_ENDPOINT}). */
  observer?: BandwidthRequestObserver | undefined;
  /** Milliseconds since the epoch; replaceable so tests can move time. */
  now?: () => number;
}

interface HeldToken {
  header: string;
  token: string;
  refreshAt: number;
}

/**
 * OAuth 2.0 client credentials (`grant_type=client_credentials`, client id and secret as HTTP Basic)
 * turned into `Bearer` headers. One token is shared by every request; it is renewed ahead of its
 * expiry by one request that all concurrent callers wait for, and dropped when Bandwidth answers
 * 401 to it so the retry gets a fresh one.
 */
export class OAuthAuthoriser implements Authoriser {
  private readonly tokenUrl: URL;
  private readonly clientBasic: string;
  private readonly clientSecret: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: BandwidthClientLogger | undefined;
  private readonly observer: BandwidthRequestObserver | undefined;
  private readonly now: () => number;
  private held: HeldToken | undefined;
  private fetching: Promise<HeldToken> | undefined;
  /** Tokens recently held, redacted too: an error about a request made with the previous one may name it. */
  private readonly recentTokens: string[] = [];

  constructor(options: OAuthAuthoriserOptions) {
    for (const key of ['clientId', 'clientSecret'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new TypeError(`OAuthAuthoriser: ${key} must be a non-empty string`);
      }
    }
    try {
      this.tokenUrl = new URL(options.tokenUrl ?? DEFAULT_OAUTH_TOKEN_URL);
    } catch {
      throw new TypeError('OAuthAuthoriser: tokenUrl must be an absolute http(s) URL');
    }
    if (this.tokenUrl.username !== '' || this.tokenUrl.password !== '') {
      throw new TypeError('OAuthAuthoriser: tokenUrl must not carry credentials; use clientId and clientSecret');
    }
    this.clientSecret = options.clientSecret;
    this.clientBasic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULT_BANDWIDTH_TIMEOUT_MS);
    this.retry = new RetryPolicy({ retryLimit: options.retryLimit ?? 2, maxRetryDelayMs: options.maxRetryDelayMs });
    this.logger = options.logger;
    this.observer = options.observer;
    this.now = options.now ?? Date.now;
  }

  async authorization(): Promise<string> {
    const held = this.held;
    if (held !== undefined && this.now() < held.refreshAt) return held.header;
    // Single flight: every request arriving while a token is being fetched waits for that one fetch.
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = undefined;
    });
    return (await this.fetching).header;
  }

  rejected(used: string): boolean {
    // Only the token that was refused is dropped; one fetched since by another request is kept.
    if (this.held?.header === used) this.held = undefined;
    return true;
  }

  secrets(): readonly string[] {
    return [this.clientSecret, this.clientBasic, ...this.recentTokens];
  }

  private async fetchToken(): Promise<HeldToken> {
    const requestedAt = this.now();
    const body = await this.requestToken();
    const lifetimeS = body.expiresIn ?? FALLBACK_LIFETIME_S;
    const lifetimeMs = lifetimeS * 1000;
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs * REFRESH_MARGIN_SHARE);
    // Life counts from when we asked: the answer may have taken a while to arrive.
    const held: HeldToken = { header: `Bearer ${body.token}`, token: body.token, refreshAt: requestedAt + lifetimeMs - margin };
    this.recentTokens.unshift(body.token);
    this.recentTokens.length = Math.min(this.recentTokens.length, 2);
    this.held = held;
    this.logger?.debug({ path: this.tokenUrl.pathname, expiresInS: lifetimeS }, 'bandwidth oauth token obtained');
    return held;
  }

  private async requestToken(): Promise<{ token: string; expiresIn: number | undefined }> {
    const path = this.tokenUrl.pathname;
    const observed = observeAttempts(this.observer, OAUTH_TOKEN_ENDPOINT);
    let response: { statusCode: number; body: string };
    try {
      response = await got(this.tokenUrl, {
        method: 'POST',
        form: { grant_type: 'client_credentials' },
        headers: { authorization: `Basic ${this.clientBasic}`, accept: 'application/json' },
        responseType: 'text',
        followRedirect: false,
        timeout: { connect: this.timeoutMs, response: this.timeoutMs, request: this.timeoutMs },
        retry: {
          limit: this.retry.limit,
          methods: ['POST'],
          statusCodes: [408, 429, 500, 502, 503, 504],
          errorCodes: TRANSIENT_ERRNOS,
          enforceRetryRules: true,
          maxRetryAfter: Number.POSITIVE_INFINITY,
          calculateDelay: (retry) => this.retry.delayMs(retry),
        },
        hooks: observed.hooks,
      });
    } catch (error) {
      observed.failed(error);
      throw this.failure(error, path);
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    const record = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    const token = record.access_token;
    if (typeof token !== 'string' || token === '' || /\s/.test(token)) {
      throw new BandwidthError({
        message: `Bandwidth OAuth POST ${path} answered ${response.statusCode} without a usable access_token`,
        code: 'oauth-error',
        status: response.statusCode,
      });
    }
    const expiresIn = Number(record.expires_in);
    return { token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined };
  }

  /** Built from the status, the OAuth error word and the errno only: got's error holds the client secret. */
  private failure(error: unknown, path: string): BandwidthError {
    if (error instanceof HTTPError) {
      const status = error.response.statusCode;
      const reason = oauthReason(typeof error.response.body === 'string' ? error.response.body : '');
      const text = reason === undefined ? '' : `: ${this.redact(reason)}`;
      return new BandwidthError({ message: `Bandwidth OAuth POST ${path} answered ${status}${text}`, code: 'oauth-error', status });
    }
    if (error instanceof RequestError) {
      const errno = error.code;
      const timedOut = error instanceof TimeoutError || errno === 'ETIMEDOUT';
      return new BandwidthError({
        message: `Bandwidth OAuth POST ${path} ${timedOut ? `timed out after ${this.timeoutMs} ms` : 'failed'} (${errno})`,
        code: 'oauth-error',
        errno,
      });
    }
    return new BandwidthError({ message: `Bandwidth OAuth POST ${path} failed`, code: 'oauth-error' });
  }

  private redact(text: string): string {
    let result = text;
    for (const secret of this.secrets()) result = result.split(secret).join('[redacted]');
    return result;
  }
}

/**
 * The reason an OAuth error body gives (RFC 6749 `error`/`error_description`, or a Bandwidth-shaped
 * `type`/`description`), one line and bounded. The token endpoint's errors are not documented.
 */
function oauthReason(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  const parts = [record.error ?? record.type, record.error_description ?? record.description].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  if (parts.length === 0) return undefined;
  const line = parts.join(': ').replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
