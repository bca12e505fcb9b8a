import type { BxmlVerb } from './bxml.js';
import type { RedirectMarker, V2WebhookUrls } from './webhook-urls.js';

/**
 * The verb sequences the v2 adapter drives a call with. Every one ends in a `<Redirect>` back to us,
 * because BXML that runs out hangs the call up: the redirect's webhook asks what comes next.
 */
export interface HoldTimings {
  /**
   * How long an idle answered call stays silent before Bandwidth asks again, default 86 400 s (the
   * `<Pause>` maximum): one webhook a day per idle call. Shorter turns the hold into a liveness probe
   * of our webhook endpoint at one webhook per period.
   */
  holdSeconds?: number;
  /**
   * How long an unanswered inbound call rings between two `redirect` webhooks, default 5 s; an
   * answer that comes while it rings takes effect after at most this long.
   */
  ringSeconds?: number;
}

export const DEFAULT_HOLD_SECONDS = 86_400;
/** Short, because an `answerCall` takes effect at the next ring's end: it bounds the answer's delay. */
export const DEFAULT_RING_SECONDS = 2;

/**
 * The shortest ring Bandwidth accepts (0.1 s, its Ring page): the answering verb of
 * {@link answerVerbs}, over before the caller hears it.
 */
const ANSWERING_RING_SECONDS = 0.1;

/**
 * Answers a ringing inbound call, then holds it. The one verb Bandwidth documents to answer a
 * call is `<Ring>`, whose `answerCall` (default true) "answer[s] the call when Ring is executed
 * on an unanswered incoming call" (dev.bandwidth.com/docs/voice/bxml/ring); no document says
 * `<Pause>` answers one.
 */
export function answerVerbs(urls: V2WebhookUrls, timings: HoldTimings = {}): BxmlVerb[] {
  return [{ verb: 'Ring', durationSeconds: ANSWERING_RING_SECONDS, answerCall: true }, ...holdVerbs(urls, timings)];
}

/** Silence, then ask again: keeps an answered call up while nothing plays. */
export function holdVerbs(urls: V2WebhookUrls, timings: HoldTimings = {}): BxmlVerb[] {
  return [
    { verb: 'Pause', durationSeconds: timings.holdSeconds ?? DEFAULT_HOLD_SECONDS },
    redirect(urls, { kind: 'hold' }),
  ];
}

/**
 * Ringing that does not answer, then ask again: keeps an inbound call ringing until it is answered
 * or rejected (v2 has no REST answer). Relies on `<Ring answerCall="false">`, on the live Ring page
 * and in the SDK but not in every revision of Bandwidth's docs.
 */
export function ringingVerbs(urls: V2WebhookUrls, timings: HoldTimings = {}): BxmlVerb[] {
  return [
    { verb: 'Ring', durationSeconds: timings.ringSeconds ?? DEFAULT_RING_SECONDS, answerCall: false },
    redirect(urls, { kind: 'ringing' }),
  ];
}

/**
 * One file, then ask again: the `<Redirect>` runs only once the file has finished, so its webhook is
 * the "done" (or, looping, "play it again") v2 never sends by itself.
 */
export function playVerbs(urls: V2WebhookUrls, audio: { fileUrl: string; playbackId: string; loop: boolean }): BxmlVerb[] {
  return [
    { verb: 'PlayAudio', url: audio.fileUrl },
    redirect(urls, { kind: 'playback', playbackId: audio.playbackId, loop: audio.loop }),
  ];
}

/** Every redirect carries our webhook credentials: whether Bandwidth would reuse the call's is undocumented. */
function redirect(urls: V2WebhookUrls, marker: RedirectMarker): BxmlVerb {
  return { verb: 'Redirect', redirectUrl: urls.redirectUrl(marker), ...urls.credentials, ...urls.redirectFallback(marker) };
}
