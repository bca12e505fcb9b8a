import { z } from 'zod';
import type { CreateProviderCall, DialledCall, ProviderCallStatus, VoiceGateway } from '../../calls/voice-gateway.js';
import { BandwidthError } from '../bandwidth-error.js';
import type { BandwidthClientLogger, BandwidthRequestObserver } from '../request-observer.js';
import { positive, RetryPolicy } from '../retry-policy.js';
import { apiRoot } from '../api-root.js';
import { BandwidthHttp, type AttemptCounter } from '../bandwidth-http.js';
import { DEFAULT_BANDWIDTH_TIMEOUT_MS } from '../bandwidth-defaults.js';
import { toProviderCallStatus } from './call-status.js';
import { callEventSchema, callSchema } from './wire-schemas.js';
import type { BandwidthCall, BandwidthCallEvent, ListCallsQuery } from './wire-types.js';

export type { BandwidthClientLogger, BandwidthRequestObserver } from '../request-observer.js';

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
   * Our webhook through a second way in (another load balancer), credentials as userinfo like the
   * call's `callbackUrl`. Given, every call is created with it as `fallbackUrl`, which Bandwidth
   * tries when the callback URL keeps failing.
   * @default undefined (no fallback)
   */
  fallbackUrl?: string | undefined;
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


/** Bandwidth v1 Voice API client: the {@link VoiceGateway} the call domain uses, plus a few reads. */
export class BandwidthV1Client implements VoiceGateway {
  /** v1's `callTimeout` default (bandwidth-v1.md, "Calls"). */
  readonly defaultCallTimeoutSeconds = 60;
  /** v1 sends a `playback` event with `status: started`. */
  readonly reportsPlaybackStart = true;
  private http: BandwidthHttp;

  private readonly fallbackUrl: string | undefined;

  constructor(options: BandwidthClientOptions) {
    for (const key of ['userId', 'apiToken', 'apiSecret'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new TypeError(`BandwidthV1Client: ${key} must be a non-empty string`);
      }
    }
    const credentials = Buffer.from(`${options.apiToken}:${options.apiSecret}`).toString('base64');
    this.fallbackUrl = options.fallbackUrl;
    this.http = new BandwidthHttp({
      root: usersRoot(options.baseUrl, options.userId),
      authorization: `Basic ${credentials}`,
      secrets: [options.apiSecret, credentials],
      timeoutMs: positive('timeoutMs', options.timeoutMs, DEFAULT_BANDWIDTH_TIMEOUT_MS),
      retry: new RetryPolicy(options),
      logger: options.logger,
      observer: options.observer,
    });
  }

  /** A view sharing everything with this client (connections, limits, observer) but the `callId` it logs. */
  forCall(callId: string): BandwidthV1Client {
    const view = Object.create(this) as BandwidthV1Client;
    view.http = this.http.withLogFields({ callId });
    return view;
  }

  /**
   * `POST /calls`. Retried only on 429 and ECONNREFUSED; after a timeout, reset or 5xx the call may
   * exist, so the error is surfaced for the caller to reconcile (by tag) rather than ringing twice.
   */
  async createCall(request: CreateProviderCall): Promise<{ providerCallId: string }> {
    const response = await this.http.send('POST', 'calls', {
      json: {
        from: request.from,
        to: request.to,
        callTimeout: request.callTimeoutSeconds,
        callbackUrl: request.callbackUrl,
        callbackHttpMethod: 'POST',
        ...(this.fallbackUrl === undefined ? {} : { fallbackUrl: this.fallbackUrl }),
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
    const response = await this.http.send('GET', `calls/${pathSegment(callId)}`, { retry: 'repeatable' });
    return this.http.decode(response, callSchema);
  }

  /** `GET /calls` with the documented query parameters. */
  async listCalls(query: ListCallsQuery = {}): Promise<BandwidthCall[]> {
    const searchParams = new URLSearchParams();
    for (const key of ['page', 'size', 'sortOrder', 'from', 'to'] as const) {
      const value = query[key];
      if (value !== undefined) searchParams.set(key, String(value));
    }
    const response = await this.http.send('GET', 'calls', { searchParams, retry: 'repeatable' });
    return this.http.decode(response, z.array(callSchema));
  }

  /** `GET /calls/{callId}/events`: Bandwidth's own log of what happened on the call. */
  async getCallEvents(callId: string): Promise<BandwidthCallEvent[]> {
    const response = await this.http.send('GET', `calls/${pathSegment(callId)}/events`, { retry: 'repeatable' });
    return this.http.decode(response, z.array(callEventSchema));
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
  async findCallByTag(tag: string, dialled: DialledCall): Promise<ProviderCallStatus | null> {
    const calls = await this.listCalls({ to: dialled.to, size: 100, sortOrder: 'desc' });
    const call = calls.find((candidate) => candidate.tag === tag);
    return call ? this.getCallStatus(call.id) : null;
  }

  async answer(providerCallId: string): Promise<void> {
    await this.updateState(providerCallId, 'active');
  }

  async hangUp(providerCallId: string): Promise<void> {
    await this.updateState(providerCallId, 'completed');
  }

  /** `POST /calls/{callId}/audio`; retried only when Bandwidth certainly did not start the file. */
  async playAudio(providerCallId: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void> {
    await this.http.send('POST', `calls/${pathSegment(providerCallId)}/audio`, {
      json: { fileUrl: audio.fileUrl, loopEnabled: audio.loop, tag: audio.tag },
      retry: 'start-audio',
    });
  }

  /** `POST /calls/{callId}/audio` with an empty `fileUrl`, which stops the current file. */
  async stopAudio(providerCallId: string): Promise<void> {
    const counter: AttemptCounter = { attempts: 0 };
    try {
      await this.http.send('POST', `calls/${pathSegment(providerCallId)}/audio`, { json: { fileUrl: '' }, retry: 'repeatable' }, counter);
    } catch (error) {
      // After a retry, "nothing is playing" most likely means our earlier attempt stopped it: the goal holds.
      if (counter.attempts > 1 && error instanceof BandwidthError && error.code === 'call-audio-invalid-state') return;
      throw error;
    }
  }

  private async updateState(callId: string, state: 'active' | 'rejected' | 'completed'): Promise<void> {
    const counter: AttemptCounter = { attempts: 0 };
    try {
      await this.http.send('POST', `calls/${pathSegment(callId)}`, { json: { state }, retry: 'repeatable' }, counter);
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
}

function usersRoot(baseUrl: string, userId: string): string {
  const root = apiRoot(baseUrl, {
    client: 'BandwidthV1Client',
    option: 'baseUrl',
    path: '/v1/users/{userId}',
    refusedSuffix: /\/v1$/,
    credentialsHint: 'use apiToken and apiSecret',
  });
  return root.replace('{userId}', encodeURIComponent(userId));
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
  if (typeof id !== 'string' || id === '') throw new TypeError('BandwidthV1Client: call id must be a non-empty string');
  return encodeURIComponent(id);
}






