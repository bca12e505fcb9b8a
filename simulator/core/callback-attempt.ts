import { splitCredentials } from './callback-url.js';

/** A callback body: one flat object, as every v1 event is. */
export type CallbackBody = Record<string, string | number | boolean | undefined>;

export type CallbackHttpMethod = 'get' | 'post';

interface CallbackRequest {
  /** May contain `user:pass@`, which becomes an `Authorization: Basic` header. */
  url: string;
  method: CallbackHttpMethod;
  body: CallbackBody;
  /** The API version's, like the platform's own (`BandwidthAPI/v1 ({build})`). */
  userAgent: string;
  /** The call's `callbackTimeout`: how long the receiver may take to answer. */
  timeoutMs: number;
  /** Aborts the attempt when the call is forgotten or the simulator closes. */
  signal: AbortSignal;
  /** Keeps what the receiver answered: v2's BXML webhooks act on their reply. */
  captureResponse?: boolean;
}

/**
 * Why an attempt failed: the receiver answered with a non-2xx `status`, did not answer within the
 * `timeout`, or could not be reached at all (`network`). Retry policies tell these apart.
 */
export type FailureReason = 'status' | 'timeout' | 'network';

export interface AttemptFailure {
  outcome: 'failed';
  reason: FailureReason;
  status?: number;
  error?: string;
}

export type AttemptResult =
  | { outcome: 'delivered'; status: number; responseBody?: string; responseType?: string }
  | AttemptFailure
  | { outcome: 'aborted' };

function buildFetch(request: CallbackRequest): { target: string; init: RequestInit } {
  const { url, authorization } = splitCredentials(request.url);
  const headers: Record<string, string> = { 'User-Agent': request.userAgent };
  if (authorization) headers.Authorization = authorization;
  if (request.method === 'get') {
    const target = new URL(url);
    for (const [name, value] of Object.entries(request.body)) {
      if (value !== undefined) target.searchParams.append(name, String(value));
    }
    return { target: target.toString(), init: { method: 'GET', headers } };
  }
  headers['Content-Type'] = 'application/json; charset=utf-8';
  return { target: url, init: { method: 'POST', headers, body: JSON.stringify(request.body) } };
}

/** Node's fetch hides the useful part (`ECONNREFUSED`, …) in `cause`. */
function describeFetchFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    if (typeof cause?.message === 'string') return cause.message;
    return error.message;
  }
  return String(error);
}

/**
 * Makes one HTTP request for a callback. Only a 2xx counts as delivered: v1 looks at nothing but the
 * status code. Redirects are not followed, so a 3xx is a failed attempt like any other non-2xx.
 */
export async function attemptCallback(request: CallbackRequest): Promise<AttemptResult> {
  if (request.signal.aborted) return { outcome: 'aborted' };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  try {
    const { target, init } = buildFetch(request);
    const response = await fetch(target, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.any([request.signal, timeout.signal]),
    });
    // Reading the body frees the connection and makes a slow body count against the timeout.
    const responseBody = request.captureResponse ? await response.text() : (await response.arrayBuffer(), undefined);
    if (response.status >= 200 && response.status < 300) {
      if (!request.captureResponse) return { outcome: 'delivered', status: response.status };
      return { outcome: 'delivered', status: response.status, responseBody, responseType: response.headers.get('content-type') ?? undefined };
    }
    return { outcome: 'failed', reason: 'status', status: response.status };
  } catch (error) {
    if (request.signal.aborted) return { outcome: 'aborted' };
    if (timeout.signal.aborted) return { outcome: 'failed', reason: 'timeout', error: `no response within ${request.timeoutMs} ms` };
    return { outcome: 'failed', reason: 'network', error: describeFetchFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}
