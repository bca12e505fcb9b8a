import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallEngine } from '../core/call-engine.js';
import { mediaDurationMs } from '../core/media-duration.js';
import { pause } from '../core/pause.js';
import type { SimulatorSettings } from '../core/settings.js';
import type { SimCall } from '../core/sim-call.js';
import type { BxmlDocument, BxmlVerb } from './bxml-parser.js';
import { requireV2Data, type ExecutedVerb, type V2CallData, type WebhookTarget } from './call-data.js';
import { redirectEvent } from './event-payloads.js';
import { fetchBxml, type BxmlReply } from './webhooks.js';

/** A sentence is spoken at this many ms per character (about 150 words a minute)… */
const SPEECH_MS_PER_CHARACTER = 60;
/** …and never in less than this. */
const MIN_SPEECH_MS = 500;

/** How long `<SpeakSentence>` speaks `text`, before the time scale: 60 ms a character, at least 500 ms. */
export function speechDurationMs(text: string): number {
  return Math.max(MIN_SPEECH_MS, text.length * SPEECH_MS_PER_CHARACTER);
}

export interface BxmlRunnerDependencies {
  engine: CallEngine;
  settings: SimulatorSettings;
  logger?: Logger;
}

/** What one verb leads to: the next verb, the end of the document, or a new document. */
type Step = { next: 'verb' } | { next: 'stop' } | { next: 'document'; document: BxmlDocument };

/**
 * Executes one call's BXML: the verbs of the current document in order, each to completion
 * (bandwidth-v2.md §10.1). A new document (a `<Redirect>`'s reply, an update-call redirect, a
 * `PUT …/bxml`) cuts the running verb and replaces the rest. Running out of verbs hangs up. Every
 * verb is recorded with its start and end for the control API.
 */
export class BxmlRunner {
  /** Aborts when the running document is replaced or the call ends. */
  private current?: AbortController;
  private readonly data: V2CallData;

  constructor(
    private readonly call: SimCall,
    private readonly deps: BxmlRunnerDependencies,
  ) {
    this.data = requireV2Data(call);
  }

  /** Acts on what a BXML webhook came to: runs its document, or ends the call with its cause. */
  follow(reply: BxmlReply): void {
    if (reply.kind === 'gone' || this.call.ended) return;
    if (reply.kind === 'failed') return this.fail(reply.cause, reply.message);
    this.start(reply.document);
  }

  /** Replaces whatever runs with `document`, from its first verb. */
  start(document: BxmlDocument): void {
    const signal = this.replaceCurrent();
    this.data.documents += 1;
    const number = this.data.documents;
    this.run(document, number, signal).catch((error: unknown) => {
      this.deps.logger?.error({ err: error, callId: this.call.id }, 'BXML execution failed');
      this.fail('error', 'The simulator failed to execute the BXML');
    });
  }

  /**
   * An update-call redirect: the running verb stops at once, then the `redirect` webhook's reply
   * becomes the document, unless something newer replaced it meanwhile.
   */
  redirect(target: WebhookTarget): void {
    const signal = this.replaceCurrent();
    void this.fetchRedirect(target).then((reply) => {
      if (!signal.aborted) this.follow(reply);
    });
  }

  /** The call ended: the running verb is cut (recorded `call-ended`) and nothing more runs. */
  stop(): void {
    this.current?.abort();
    this.current = undefined;
  }

  private replaceCurrent(): AbortSignal {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    return AbortSignal.any([controller.signal, this.call.signal]);
  }

  private async run(document: BxmlDocument, number: number, signal: AbortSignal): Promise<void> {
    for (const verb of document.verbs) {
      if (signal.aborted || this.call.ended) return;
      const record = this.begin(number, verb);
      const step = await this.execute(verb, record, signal);
      this.finish(record, signal);
      if (step.next === 'stop' || signal.aborted || this.call.ended) return;
      if (step.next === 'document') return this.start(step.document);
    }
    if (!signal.aborted && !this.call.ended) this.hangUp();
  }

  private begin(document: number, verb: BxmlVerb): ExecutedVerb {
    const text = verb.verb === 'PlayAudio' ? verb.url : verb.verb === 'SpeakSentence' || verb.verb === 'Tag' ? verb.text : undefined;
    const record: ExecutedVerb = { document, verb: verb.verb, attributes: verb.attributes, text, startedAt: new Date().toISOString() };
    this.data.executed.push(record);
    return record;
  }

  private finish(record: ExecutedVerb, signal: AbortSignal): void {
    record.endedAt = new Date().toISOString();
    if (record.verb === 'Hangup') record.outcome = 'completed';
    else if (this.call.ended) record.outcome = 'call-ended';
    else record.outcome = signal.aborted ? 'interrupted' : 'completed';
  }

  private scaled(seconds: number): number {
    return Math.round(seconds * 1000 * this.deps.settings.bxmlTimeScale);
  }

  private async play(record: ExecutedVerb, durationMs: number, signal: AbortSignal): Promise<Step> {
    record.plannedMs = durationMs;
    await pause(durationMs, signal);
    return { next: 'verb' };
  }

  private async execute(verb: BxmlVerb, record: ExecutedVerb, signal: AbortSignal): Promise<Step> {
    switch (verb.verb) {
      case 'PlayAudio':
        this.answerIfRinging();
        return this.play(record, mediaDurationMs(verb.url, this.deps.settings.playbackDurationMs), signal);
      case 'SpeakSentence':
        this.answerIfRinging();
        return this.play(record, Math.round(speechDurationMs(verb.text) * this.deps.settings.bxmlTimeScale), signal);
      case 'Pause':
        // No Bandwidth document says a `<Pause>` answers a call: an unanswered one keeps ringing.
        return this.play(record, this.scaled(verb.durationSeconds), signal);
      case 'Ring':
        if (verb.answerCall) this.answerIfRinging();
        return this.play(record, this.scaled(verb.durationSeconds), signal);
      case 'Tag':
        this.call.tag = verb.text === '' ? undefined : verb.text;
        return { next: 'verb' };
      case 'Hangup':
        this.hangUp();
        return { next: 'stop' };
      case 'Redirect': {
        if (verb.tag !== undefined) this.call.tag = verb.tag === '' ? undefined : verb.tag;
        const reply = await this.fetchRedirect({
          url: verb.redirectUrl,
          method: verb.redirectMethod,
          username: verb.username,
          password: verb.password,
          fallbackUrl: verb.redirectFallbackUrl,
          fallbackUsername: verb.fallbackUsername,
          fallbackPassword: verb.fallbackPassword,
        });
        // Replaced while the webhook was out: what it answered belongs to a document no longer running.
        if (signal.aborted || reply.kind === 'gone') return { next: 'stop' };
        if (reply.kind === 'failed') {
          this.fail(reply.cause, reply.message);
          return { next: 'stop' };
        }
        return { next: 'document', document: reply.document };
      }
    }
  }

  private fetchRedirect(target: WebhookTarget): Promise<BxmlReply> {
    const body = redirectEvent(this.call, { callUri: this.deps.engine.callUri(this.call), time: new Date() });
    return fetchBxml(this.call, 'redirect', body, target);
  }

  /** Verbs that make a sound answer a ringing inbound call; `<Ring answerCall="false">` and `<Pause>` keep it ringing. */
  private answerIfRinging(): void {
    if (this.call.direction === 'in' && this.call.state === 'started') void this.deps.engine.answer(this.call);
  }

  /** `<Hangup>` or the end of the BXML: an unanswered inbound call is rejected instead (§10.6). */
  private hangUp(): void {
    const unanswered = this.call.direction === 'in' && this.call.state === 'started';
    void this.deps.engine.end(this.call, unanswered ? 'rejected' : 'hangup');
  }

  private fail(cause: string, message: string): void {
    if (this.call.ended) return;
    this.data.errorMessage = message;
    this.data.errorId = randomUUID();
    void this.deps.engine.end(this.call, cause);
  }
}
