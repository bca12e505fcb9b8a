import { z } from 'zod';
import type { CreateProviderCall, DialledCall, ProviderCallStatus, VoiceGateway } from '../../calls/voice-gateway.js';
import type { Authoriser } from '../authoriser.js';
import { apiRoot } from '../api-root.js';
import { BandwidthHttp, type RawResponse, type SendOptions } from '../bandwidth-http.js';
import { DEFAULT_BANDWIDTH_TIMEOUT_MS, DEFAULT_V2_VOICE_API_URL } from '../bandwidth-defaults.js';
import { BandwidthError } from '../bandwidth-error.js';
import type { BandwidthClientLogger, BandwidthRequestObserver } from '../request-observer.js';
import { positive, RetryPolicy, type RetryRule } from '../retry-policy.js';
import { renderBxml, type BxmlVerb } from './bxml.js';
import { DEFAULT_RING_SECONDS, answerVerbs, holdVerbs, playVerbs, ringingVerbs, type HoldTimings } from './bxml-documents.js';
import { BxmlReplies } from './bxml-replies.js';
import { toProviderCallStatus } from './call-status.js';
import { callStateSchema, createCallResponseSchema, type V2CallState } from './wire-schemas.js';
import { V2WebhookUrls } from './webhook-urls.js';

export interface BandwidthV2ClientOptions extends HoldTimings {
  /**
   * Origin of the Voice API, default `https://voice.bandwidth.com`, or a simulator's. The client adds
   * `/api/v2/accounts/{accountId}` itself; credentials do not belong in it.
   */
  voiceApiUrl?: string;
  /** Numeric account id; every call resource lives under it. */
  accountId: string;
  /** The Voice application of our numbers: required to create calls. */
  applicationId: string;
  /** Where each request's `Authorization` comes from: {@link basicAuthoriser} or an {@link OAuthAuthoriser}. */
  authoriser: Authoriser;
  /**
   * Base URL of our v2 webhook routes with their basic-auth credentials as userinfo
   * (`https://user:pass@us.example/webhooks/bandwidth/v2`), read at each use so a rotated password
   * applies to the next call. v2 wants the credentials apart and a URL per webhook: the client adds
   * `/answer`, `/disconnect` and `/redirect?…` (see `webhook-urls.ts`).
   */
  callbackUrl: () => string;
  /**
   * The same webhook routes through a second way in (another load balancer), with the same
   * credentials as userinfo. Given, it becomes every fallback URL Bandwidth takes (the create's
   * `answerFallbackUrl`, each `<Redirect>`'s `redirectFallbackUrl`): v2 does not retry a failed
   * BXML webhook, it tries the fallback once and otherwise ends the call with `callback-error`.
   * @default undefined (no fallback)
   */
  fallbackUrl?: string | undefined;
  /**
   * How long `answer` waits for the ringing call's next `ringing` redirect, whose reply answers it;
   * default one ring plus 15 s, the longest Bandwidth waits for a webhook reply.
   */
  answerWaitMs?: number;
  /** Limit for one attempt (connect, first byte, and whole exchange), default 10 000 ms. */
  timeoutMs?: number;
  /** How many times a failed request may be sent again, default 3, where its retry rule allows. */
  retryLimit?: number;
  /** Cap on any wait before a retry (back-off and 429 waits alike). */
  maxRetryDelayMs?: number;
  /** Receives one debug line per attempt and one warn line per retry; silent when absent. */
  logger?: BandwidthClientLogger | undefined;
  /** Told of every attempt and retry, for metrics. */
  observer?: BandwidthRequestObserver | undefined;
}

/** How much longer than one ring `answer` waits for the call's next `ringing` redirect. */
const ANSWER_WAIT_MARGIN_MS = 15_000;
/**
 * `findCallByTag` looks at calls between the two numbers that started after the unconfirmed create
 * was sent, less this much for our clock and Bandwidth's to disagree…
 */
const CLOCK_SKEW_MS = 60_000;
/** …reads at most this many list pages of this size… */
const LOOKUP_PAGES = 3;
const LOOKUP_PAGE_SIZE = 100;
/** …and the state of at most this many of them, newest first. */
const LOOKUP_CANDIDATES = 10;

/** A call that can no longer be changed: ended (409 "recently ended", or 404 once gone) or not answered yet. */
const UPDATE_ERRORS = { 404: 'call-invalid-state', 409: 'call-invalid-state' } as const;
const BXML_ERRORS = { 404: 'call-audio-invalid-state', 409: 'call-audio-invalid-state' } as const;
const CREATE_ERRORS = { 429: 'call-rate-limit' } as const;

/**
 * Bandwidth Voice API v2 client: the {@link VoiceGateway} for the BXML-driven API. Audio is a BXML
 * document ending in a `<Redirect>` back to us; it goes out in the reply of a webhook of the call
 * that is waiting ({@link BandwidthV2Client.replies}), or else as `PUT …/calls/{id}/bxml`.
 */
export class BandwidthV2Client implements VoiceGateway {
  /** v2's `callTimeout` default (Bandwidth's create-call reference). */
  readonly defaultCallTimeoutSeconds = 30;
  /** v2 sends no event when a `<PlayAudio>` starts, only the `redirect` after it ends. */
  readonly reportsPlaybackStart = false;
  /** Webhooks of a call waiting for their BXML reply; the webhook route opens and closes them. */
  readonly replies = new BxmlReplies();
  private http: BandwidthHttp;
  private readonly applicationId: string;
  private readonly callbackUrl: () => string;
  private readonly fallbackUrl: string | undefined;
  private readonly timings: HoldTimings;
  private readonly answerWaitMs: number;

  constructor(options: BandwidthV2ClientOptions) {
    for (const key of ['accountId', 'applicationId'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new TypeError(`BandwidthV2Client: ${key} must be a non-empty string`);
      }
    }
    if (typeof options.callbackUrl !== 'function') throw new TypeError('BandwidthV2Client: callbackUrl must be a function');
    this.applicationId = options.applicationId;
    this.callbackUrl = options.callbackUrl;
    this.fallbackUrl = options.fallbackUrl;
    this.timings = {
      holdSeconds: durationOption('holdSeconds', options.holdSeconds),
      ringSeconds: durationOption('ringSeconds', options.ringSeconds),
    };
    this.answerWaitMs = positive(
      'answerWaitMs',
      options.answerWaitMs,
      (this.timings.ringSeconds ?? DEFAULT_RING_SECONDS) * 1000 + ANSWER_WAIT_MARGIN_MS,
    );
    this.http = new BandwidthHttp({
      root: accountRoot(options.voiceApiUrl ?? DEFAULT_V2_VOICE_API_URL, options.accountId),
      authorization: options.authoriser,
      secrets: [],
      timeoutMs: positive('timeoutMs', options.timeoutMs, DEFAULT_BANDWIDTH_TIMEOUT_MS),
      retry: new RetryPolicy(options),
      logger: options.logger,
      observer: options.observer,
    });
  }

  /** A view sharing everything with this client (connections, replies, token) but the `callId` it logs. */
  forCall(callId: string): BandwidthV2Client {
    const view = Object.create(this) as BandwidthV2Client;
    view.http = this.http.withLogFields({ callId });
    return view;
  }

  /**
   * `POST …/calls`. Our webhook URLs come from the `callbackUrl` option (the request's v1-style
   * `callbackUrl` has no use in v2). Retried only on 429 and ECONNREFUSED: v2 has no idempotency key,
   * so after a timeout, reset or 5xx the call may exist and the caller must look before dialling again.
   */
  async createCall(request: CreateProviderCall): Promise<{ providerCallId: string }> {
    const urls = this.urls();
    const response = await this.send('POST', 'calls', 'create-call', {
      json: {
        from: request.from,
        to: request.to,
        applicationId: this.applicationId,
        answerUrl: urls.answerUrl,
        disconnectUrl: urls.disconnectUrl,
        callTimeout: request.callTimeoutSeconds,
        tag: request.tag,
        ...urls.credentials,
        ...urls.answerFallback,
      },
      errorCodes: CREATE_ERRORS,
    });
    try {
      return { providerCallId: this.http.decode(response, createCallResponseSchema).callId };
    } catch (error) {
      if (!(error instanceof BandwidthError)) throw error;
      throw new BandwidthError({
        message: `Bandwidth POST ${new URL(response.url).pathname} answered ${response.status} without a usable callId; the call may exist`,
        code: 'missing-call-id',
        status: response.status,
      });
    }
  }

  /** `GET …/calls/{callId}`. */
  async getCall(providerCallId: string): Promise<V2CallState> {
    const response = await this.send('GET', `calls/${pathSegment(providerCallId)}`, 'repeatable');
    return this.http.decode(response, callStateSchema);
  }

  /**
   * The call as Bandwidth sees it; null for 404. Bandwidth's call state is "near-realtime": a call
   * created moments ago may not be found yet.
   */
  async getCallStatus(providerCallId: string): Promise<ProviderCallStatus | null> {
    try {
      return toProviderCallStatus(await this.getCall(providerCallId));
    } catch (error) {
      if (error instanceof BandwidthError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Finds a call we placed by its tag. v2 lists calls (oldest first, no tag filter, no tag in the
   * items), so this lists the calls to `to` started within the last hour (at most 3 pages of 100),
   * reads the state of the newest 10 and picks the one carrying our tag. Bandwidth's documented call
   * state has no tag either: a candidate without one cannot be ruled out, so the lookup fails as
   * `call-lookup-inconclusive` rather than answer "no such call" and have the caller ring twice.
   * Queued calls (no start time yet) may be missing from the list — undocumented.
   */
  async findCallByTag(tag: string, dialled: DialledCall): Promise<ProviderCallStatus | null> {
    const startedAfter = dialled.since.getTime() - CLOCK_SKEW_MS;
    const candidates = (await this.recentCalls(dialled, startedAfter))
      .filter((call) => call.direction !== 'inbound' && startOf(call) >= startedAfter)
      .sort((a, b) => startOf(b) - startOf(a))
      .slice(0, LOOKUP_CANDIDATES);
    let unidentified = 0;
    for (const candidate of candidates) {
      const call = await this.getCall(candidate.callId).catch((error: unknown) => {
        if (error instanceof BandwidthError && error.status === 404) return undefined;
        throw error;
      });
      if (call === undefined) continue;
      if (call.tag === tag) return toProviderCallStatus(call);
      if (call.tag === undefined) unidentified += 1;
    }
    if (unidentified > 0) {
      throw new BandwidthError({
        message: `Bandwidth v2 cannot tell whether ${unidentified} recent call(s) to the number are ours: call state carries no tag`,
        code: 'call-lookup-inconclusive',
      });
    }
    return null;
  }

  /**
   * Answers a ringing inbound call. v2 answers only through BXML, and an unanswered call's BXML
   * cannot be replaced by REST (409): its `initiate` reply keeps it ringing in short `<Ring>`s, each
   * followed by a `ringing` redirect, and the next of those is answered with a document that
   * answers the call and holds it ({@link answerVerbs}). Resolves once that reply is out; the
   * domain then plays what is queued, which replaces the hold.
   */
  async answer(providerCallId: string): Promise<void> {
    const waitMs = this.answerWaitMs;
    if (await this.replies.fillNext(providerCallId, answerVerbs(this.urls(), this.timings), waitMs)) return;
    throw new BandwidthError({
      message: `Bandwidth asked for no BXML of call ${providerCallId} within ${waitMs} ms, so it could not be answered; it may have ended`,
      code: 'call-invalid-state',
    });
  }

  /** `completed` hangs up an answered call, cancels a ringing outbound one and removes a queued one. */
  async hangUp(providerCallId: string): Promise<void> {
    await this.updateCall(providerCallId, { state: 'completed' });
  }

  /**
   * The file, then a `<Redirect>` that reports it finished (`playback=<tag>`, `&loop=1` for a loop,
   * which v2 BXML cannot express: the domain plays it again). In the open reply of the call's
   * webhook if there is one, else `PUT …/bxml`, retried only when Bandwidth certainly did not take
   * it (a second copy would restart the file).
   */
  async playAudio(providerCallId: string, audio: { fileUrl: string; loop: boolean; tag: string }): Promise<void> {
    await this.deliver(providerCallId, playVerbs(this.urls(), { fileUrl: audio.fileUrl, playbackId: audio.tag, loop: audio.loop }), 'start-audio');
  }

  /** Replaces whatever plays with the hold document (v2 cannot stop the audio alone). */
  async stopAudio(providerCallId: string): Promise<void> {
    await this.deliver(providerCallId, holdVerbs(this.urls(), this.timings), 'repeatable');
  }

  /** The idle document as a webhook reply: what the route answers when no request filled the reply. */
  holdResponse(): string {
    return renderBxml('Response', holdVerbs(this.urls(), this.timings));
  }

  /** The ringing document as a webhook reply, for an inbound call's `initiate` and `ringing` redirects. */
  ringingResponse(): string {
    return renderBxml('Response', ringingVerbs(this.urls(), this.timings));
  }

  private async deliver(providerCallId: string, verbs: BxmlVerb[], retry: RetryRule): Promise<void> {
    const path = `calls/${pathSegment(providerCallId)}/bxml`;
    if (this.replies.fill(providerCallId, verbs)) return;
    await this.send('PUT', path, retry, {
      body: { text: renderBxml('Bxml', verbs), contentType: 'application/xml' },
      errorCodes: BXML_ERRORS,
    });
  }

  private async updateCall(providerCallId: string, json: Record<string, unknown>): Promise<void> {
    await this.send('POST', `calls/${pathSegment(providerCallId)}`, 'repeatable', { json, errorCodes: UPDATE_ERRORS });
  }

  /** Calls between the two numbers that started after `startedAfter`, as `GET …/calls` lists them. */
  private async recentCalls(dialled: DialledCall, startedAfter: number): Promise<V2CallState[]> {
    const found: V2CallState[] = [];
    const minStartTime = new Date(startedAfter).toISOString();
    let pageToken: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page += 1) {
      const searchParams = new URLSearchParams({ to: dialled.to, from: dialled.from, minStartTime, pageSize: String(LOOKUP_PAGE_SIZE) });
      if (pageToken !== undefined) searchParams.set('pageToken', pageToken);
      const response = await this.send('GET', 'calls', 'repeatable', { searchParams });
      found.push(...this.http.decode(response, z.array(callStateSchema)));
      pageToken = nextPageToken(response);
      if (pageToken === undefined) break;
    }
    return found;
  }

  private send(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    retry: RetryRule,
    options: Omit<SendOptions, 'retry'> = {},
  ): Promise<RawResponse> {
    return this.http.send(method, path, { ...options, retry });
  }

  private urls(): V2WebhookUrls {
    return new V2WebhookUrls(this.callbackUrl(), this.fallbackUrl);
  }
}

function accountRoot(voiceApiUrl: string, accountId: string): string {
  const root = apiRoot(voiceApiUrl, {
    client: 'BandwidthV2Client',
    option: 'voiceApiUrl',
    path: '/api/v2/accounts/{accountId}',
    refusedSuffix: /\/api\/v2$/,
    credentialsHint: 'use the authoriser',
  });
  return root.replace('{accountId}', encodeURIComponent(accountId));
}

/**
 * The `pageToken` of the `Link: <…>; rel="next"` header. Only the token is taken, so the next page
 * is asked of our own root: following the URL as given could send our credentials to another host.
 */
function nextPageToken(response: RawResponse): string | undefined {
  const header = response.headers.link;
  const link = Array.isArray(header) ? header.join(',') : header;
  if (link === undefined) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (match === null || !/rel="?next"?/.test(match[2])) continue;
    try {
      return new URL(match[1], response.url).searchParams.get('pageToken') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function startOf(call: V2CallState): number {
  const time = Date.parse(call.startTime ?? call.enqueuedTime ?? '');
  return Number.isFinite(time) ? time : 0;
}

function durationOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0.1 || value > 86_400) {
    throw new TypeError(`BandwidthV2Client: ${name} must be between 0.1 and 86400 seconds`);
  }
  return value;
}

/** Ids go into the path escaped, and an empty one is refused: `calls/` + '' would address the collection. */
function pathSegment(id: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('BandwidthV2Client: call id must be a non-empty string');
  return encodeURIComponent(id);
}
