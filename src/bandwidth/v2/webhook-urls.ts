/**
 * The URLs of our v2 webhook routes as Bandwidth is given them, and the markers our `<Redirect>`s
 * carry back. v2 webhooks say nothing about which `<Redirect>` fired, so what a `redirect` webhook
 * means is written into its query string when the document is built:
 *
 * | query | sent after | means |
 * |---|---|---|
 * | `playback=<id>` | `<PlayAudio>` of that playback | the file finished |
 * | `playback=<id>&loop=1` | the same, for a looping playback | the file finished; play it again |
 * | `hold=1` | the idle document's `<Pause>` | nothing to play; keep the call up |
 * | `ringing=1` | `<Ring answerCall="false">` of an inbound call | still ringing; not answered yet |
 * | `answered=1` | `updateCall` with `state: active` (our `answer`) | the inbound call was answered |
 */

/** Basic credentials Bandwidth sends to our webhooks, taken out of the configured URL's userinfo. */
export interface WebhookCredentials {
  username: string;
  password: string;
}

export type RedirectMarker =
  | { kind: 'playback'; playbackId: string; loop: boolean }
  | { kind: 'hold' }
  | { kind: 'ringing' };

/** A query as a router hands it over (Fastify's `request.query`, URLSearchParams entries). */
export type WebhookQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Our webhook base URL (`https://user:pass@us.example/webhooks/bandwidth/v2`) split into what
 * Bandwidth needs: URLs without userinfo, and the credentials as the separate fields v2 wants.
 */
export class V2WebhookUrls {
  /** Absent when the base URL carries no userinfo. */
  readonly credentials: WebhookCredentials | undefined;
  private readonly base: string;
  /** The same routes through a second way in (`PUBLIC_FALLBACK_URL`), for Bandwidth's fallback URLs. */
  private readonly fallbackBase: string | undefined;

  constructor(baseUrl: string, fallbackBaseUrl?: string) {
    const main = parseBase(baseUrl, 'callbackUrl');
    this.credentials = main.credentials;
    this.base = main.base;
    this.fallbackBase = fallbackBaseUrl === undefined ? undefined : parseBase(fallbackBaseUrl, 'fallbackUrl').base;
  }

  /** `answerFallbackUrl` and its credentials for a create, when there is a second way in. */
  get answerFallback(): { answerFallbackUrl?: string; fallbackUsername?: string; fallbackPassword?: string } {
    if (this.fallbackBase === undefined) return {};
    return { answerFallbackUrl: `${this.fallbackBase}/answer`, ...fallbackCredentials(this.credentials) };
  }

  /** `redirectFallbackUrl` and its credentials for a `<Redirect>`, when there is a second way in. */
  redirectFallback(marker: RedirectMarker): { redirectFallbackUrl?: string; fallbackUsername?: string; fallbackPassword?: string } {
    if (this.fallbackBase === undefined) return {};
    return { redirectFallbackUrl: `${this.fallbackBase}/redirect?${markerQuery(marker)}`, ...fallbackCredentials(this.credentials) };
  }

  /** Receives `answer` (an outbound call was answered); replies with the call's first BXML. */
  get answerUrl(): string {
    return `${this.base}/answer`;
  }

  /** Receives `disconnect`; no BXML expected. */
  get disconnectUrl(): string {
    return `${this.base}/disconnect`;
  }

  /** The `redirect` route, with what this redirect means in its query. */
  redirectUrl(marker: RedirectMarker): string {
    return `${this.base}/redirect?${markerQuery(marker)}`;
  }
}

function markerQuery(marker: RedirectMarker): string {
  const query = new URLSearchParams();
  switch (marker.kind) {
    case 'playback':
      query.set('playback', marker.playbackId);
      if (marker.loop) query.set('loop', '1');
      break;
    default:
      query.set(marker.kind, '1');
  }
  return query.toString();
}

function fallbackCredentials(credentials: WebhookCredentials | undefined): { fallbackUsername?: string; fallbackPassword?: string } {
  return credentials === undefined ? {} : { fallbackUsername: credentials.username, fallbackPassword: credentials.password };
}

/** An absolute http(s) URL without query or fragment, split into the URL without userinfo and the credentials it carried. */
function parseBase(baseUrl: string, option: string): { base: string; credentials: WebhookCredentials | undefined } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`BandwidthV2Client: ${option} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`BandwidthV2Client: ${option} must be an absolute http(s) URL`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`BandwidthV2Client: ${option} must not have a query or fragment; the client adds its own`);
  }
  const credentials =
    url.username === '' && url.password === '' ? undefined : { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  return { base: url.href.replace(/\/+$/, ''), credentials };
}

/** What a `redirect` webhook's query says about the `<Redirect>` that sent it; undefined when none of ours. */
export function readRedirectMarker(query: WebhookQuery): RedirectMarker | undefined {
  const playbackId = first(query.playback);
  if (playbackId !== undefined && playbackId !== '') return { kind: 'playback', playbackId, loop: first(query.loop) === '1' };
  for (const kind of ['ringing', 'hold'] as const) {
    if (first(query[kind]) === '1') return { kind };
  }
  return undefined;
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
