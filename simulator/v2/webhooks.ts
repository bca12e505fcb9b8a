import type { CallbackBody } from '../core/callback-attempt.js';
import type { CallbackAttemptRecord } from '../core/callback-queue.js';
import type { SimCall } from '../core/sim-call.js';
import { BxmlError, parseBxml, type BxmlDocument, type BxmlFailureCause } from './bxml-parser.js';
import type { WebhookTarget } from './call-data.js';

/** Sent with every v2 webhook; Bandwidth documents none, this names the simulator. */
export const V2_CALLBACK_USER_AGENT = 'BandwidthAPI/v2 (simulator)';

/**
 * The URL with `user:pass@`: the shared delivery turns it into `Authorization: Basic` and keeps it
 * out of every record and log, as it does for v1's callback URLs.
 */
function withCredentials(url: string, username: string | undefined, password: string | undefined): string {
  if (username === undefined && password === undefined) return url;
  const target = new URL(url);
  target.username = encodeURIComponent(username ?? '');
  target.password = encodeURIComponent(password ?? '');
  return target.toString();
}

function deliver(call: SimCall, eventType: string, body: CallbackBody, target: WebhookTarget, captureResponse: boolean): Promise<CallbackAttemptRecord[]> {
  return call.callbacks.enqueue({
    eventType,
    body,
    url: withCredentials(target.url, target.username, target.password),
    fallbackUrl: target.fallbackUrl === undefined ? undefined : withCredentials(target.fallbackUrl, target.fallbackUsername, target.fallbackPassword),
    method: target.method,
    timeoutMs: call.callbackTimeout,
    userAgent: V2_CALLBACK_USER_AGENT,
    captureResponse,
  });
}

/** What a BXML webhook (answer, initiate, redirect) came to. */
export type BxmlReply =
  | { kind: 'document'; document: BxmlDocument }
  | { kind: 'failed'; cause: 'callback-error' | BxmlFailureCause; message: string }
  /** The call was forgotten meanwhile: nothing to act on. */
  | { kind: 'gone' };

function describeFailure(attempts: CallbackAttemptRecord[]): string {
  const last = attempts.at(-1);
  if (!last) return 'no attempt was made';
  return last.error ?? `HTTP ${last.status}`;
}

/**
 * Sends a synchronous webhook and reads the BXML its 2xx answer carries (root `<Response>`,
 * relative URLs resolved against the URL that answered). Every failure is the disconnect cause it
 * ends the call with: `callback-error` when no URL answered 2xx, `invalid-bxml` (or
 * `application-error`) for what it answered.
 */
export async function fetchBxml(call: SimCall, eventType: string, body: CallbackBody, target: WebhookTarget): Promise<BxmlReply> {
  const attempts = await deliver(call, eventType, body, target, true);
  if (call.signal.aborted) return { kind: 'gone' };
  const answered = attempts.find((attempt) => attempt.response !== undefined);
  if (!answered?.response) {
    const held = attempts.length === 0 && call.callbacks.holding ? ' (its callbacks are held, which BXML webhooks cannot wait for)' : '';
    return { kind: 'failed', cause: 'callback-error', message: `The ${eventType} webhook failed: ${describeFailure(attempts)}${held}` };
  }
  const text = answered.response.body;
  if (text.trim() === '') return { kind: 'failed', cause: 'invalid-bxml', message: `The ${eventType} webhook answered no BXML` };
  try {
    return { kind: 'document', document: parseBxml(text, { root: 'Response', baseUrl: answered.url }) };
  } catch (error) {
    if (!(error instanceof BxmlError)) throw error;
    return { kind: 'failed', cause: error.disconnectCause, message: error.message };
  }
}

/** Sends an asynchronous webhook (`disconnect`), whose answer Bandwidth ignores. */
export function notify(call: SimCall, eventType: string, body: CallbackBody, target: WebhookTarget): Promise<unknown> {
  return deliver(call, eventType, body, target, false);
}
