import { create } from 'xmlbuilder2';
import { isAbsoluteHttpUrl } from '../core/callback-url.js';

/**
 * BXML documents as the simulator executes them, parsed with xmlbuilder2 and checked against the
 * verb pages of bandwidth-v2.md §10. Anything the simulator cannot take as Bandwidth would is an
 * error naming the disconnect cause it ends a call with: `invalid-bxml` for a document Bandwidth
 * would not accept, `application-error` for a real verb the simulator does not simulate.
 */

/** Bandwidth's limit on a BXML document (§10.1). */
export const MAX_BXML_BYTES = 64 * 1024;

export type BxmlRoot = 'Response' | 'Bxml';
export type WebhookMethod = 'get' | 'post';

interface VerbBase {
  /** The attributes as written, for the control API's record (passwords masked there). */
  attributes: Record<string, string>;
}

export type BxmlVerb =
  | (VerbBase & { verb: 'PlayAudio'; url: string; username?: string; password?: string })
  | (VerbBase & { verb: 'SpeakSentence'; text: string })
  | (VerbBase & { verb: 'Pause'; durationSeconds: number })
  | (VerbBase & { verb: 'Ring'; durationSeconds: number; answerCall: boolean })
  | (VerbBase & { verb: 'Hangup' })
  | (VerbBase & { verb: 'Tag'; text: string })
  | (VerbBase & {
      verb: 'Redirect';
      redirectUrl: string;
      redirectMethod: WebhookMethod;
      redirectFallbackUrl?: string;
      username?: string;
      password?: string;
      fallbackUsername?: string;
      fallbackPassword?: string;
      /** Present when the attribute is: `""` clears the call's tag. */
      tag?: string;
    });

export interface BxmlDocument {
  root: BxmlRoot;
  verbs: BxmlVerb[];
}

export type BxmlFailureCause = 'invalid-bxml' | 'application-error';

export class BxmlError extends Error {
  override readonly name: string = 'BxmlError';
  constructor(
    /** The disconnect cause a call whose webhook answered this document ends with. */
    readonly disconnectCause: BxmlFailureCause,
    message: string,
  ) {
    super(message);
  }
}

/** Real BXML verbs (bandwidth-v2.md §10) that the simulator does not execute. */
const UNSIMULATED_VERBS = new Set([
  'Bridge', 'Conference', 'Forward', 'Gather', 'PauseRecording', 'Record', 'ResumeRecording', 'SendDtmf',
  'StartGather', 'StartRecording', 'StartStream', 'StartTranscription', 'StopGather', 'StopRecording',
  'StopStream', 'StopTranscription', 'Transfer',
]);

const ALLOWED_ATTRIBUTES: Record<string, readonly string[]> = {
  PlayAudio: ['username', 'password'],
  SpeakSentence: ['voice', 'gender', 'locale'],
  Pause: ['duration'],
  Ring: ['duration', 'answerCall'],
  Hangup: [],
  Tag: [],
  Redirect: [
    'redirectUrl', 'redirectMethod', 'redirectFallbackUrl', 'redirectFallbackMethod',
    'username', 'password', 'fallbackUsername', 'fallbackPassword', 'tag',
  ],
};

/** Pause and Ring: decimals allowed, 0.1 to 86400 s (§10.4). */
const MIN_DURATION_S = 0.1;
const MAX_DURATION_S = 86_400;
/** `<Redirect tag>`'s documented maximum. */
const MAX_TAG_LENGTH = 256;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

interface DomAttr {
  name: string;
  value: string;
}
interface DomNode {
  nodeType: number;
  localName?: string | null;
  textContent: string | null;
  childNodes: Iterable<DomNode>;
  attributes?: Iterable<DomAttr>;
}

function invalid(message: string): BxmlError {
  return new BxmlError('invalid-bxml', message);
}

/** The document element of `text`, or why there is none. xmlbuilder2 does the parsing. */
function documentElement(text: string): DomNode {
  // xmlbuilder2 takes a string that is not markup as the name of a new element: refuse it first.
  if (!text.replace(/^\uFEFF/, '').trimStart().startsWith('<')) throw invalid('The document is not XML');
  let root: DomNode;
  try {
    root = create(text).root().node as unknown as DomNode;
  } catch (error) {
    throw invalid(`The document is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!root || root.nodeType !== ELEMENT_NODE || !root.localName) throw invalid('The document has no root element');
  return root;
}

function attributesOf(element: DomNode): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const attribute of element.attributes ?? []) attributes[attribute.name] = attribute.value;
  return attributes;
}

function resolveUrl(value: string, baseUrl: string | undefined, what: string): string {
  let resolved: string;
  try {
    resolved = new URL(value, baseUrl).toString();
  } catch {
    throw invalid(`${what} ${JSON.stringify(value)} is not a URL${baseUrl === undefined ? ' (a BXML update has no URL to resolve relative ones against)' : ''}`);
  }
  if (!isAbsoluteHttpUrl(resolved)) throw invalid(`${what} ${JSON.stringify(value)} is not an http(s) URL`);
  return resolved;
}

function duration(verb: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < MIN_DURATION_S || value > MAX_DURATION_S) {
    throw invalid(`<${verb} duration="${raw}">: duration must be a number of seconds from ${MIN_DURATION_S} to ${MAX_DURATION_S}`);
  }
  return value;
}

function method(verb: string, name: string, raw: string | undefined): WebhookMethod {
  if (raw === undefined) return 'post';
  const upper = raw.toUpperCase();
  if (upper !== 'GET' && upper !== 'POST') throw invalid(`<${verb} ${name}="${raw}">: must be GET or POST`);
  return upper === 'GET' ? 'get' : 'post';
}

function checkNoChildren(verb: string, element: DomNode): void {
  for (const child of element.childNodes) {
    if (child.nodeType === ELEMENT_NODE || ((child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) && (child.textContent ?? '').trim() !== '')) {
      throw invalid(`<${verb}> takes no content`);
    }
  }
}

function parseVerb(element: DomNode, baseUrl: string | undefined): BxmlVerb {
  const verb = element.localName ?? '';
  if (UNSIMULATED_VERBS.has(verb)) throw new BxmlError('application-error', `<${verb}> is a BXML verb the simulator does not simulate`);
  const allowed = ALLOWED_ATTRIBUTES[verb];
  if (allowed === undefined) throw invalid(`<${verb}> is not a BXML verb`);
  const attributes = attributesOf(element);
  const unknown = Object.keys(attributes).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) throw invalid(`<${verb}> has no attribute ${unknown.join(', ')}`);
  const text = (element.textContent ?? '').trim();

  switch (verb) {
    case 'PlayAudio':
      if (text === '') throw invalid('<PlayAudio> needs the audio URL as its text');
      return { verb, attributes, url: resolveUrl(text, baseUrl, 'The <PlayAudio> URL'), username: attributes.username, password: attributes.password };
    case 'SpeakSentence':
      if (text === '') throw invalid('<SpeakSentence> needs a sentence');
      if (attributes.gender !== undefined && attributes.gender !== 'male' && attributes.gender !== 'female') {
        throw invalid(`<SpeakSentence gender="${attributes.gender}">: must be male or female`);
      }
      // SSML elements inside are part of the sentence; their text is what gets spoken.
      return { verb, attributes, text: text.replace(/\s+/g, ' ') };
    case 'Pause':
      checkNoChildren(verb, element);
      return { verb, attributes, durationSeconds: duration(verb, attributes.duration, 1) };
    case 'Ring': {
      checkNoChildren(verb, element);
      const answerCall = attributes.answerCall;
      if (answerCall !== undefined && answerCall !== 'true' && answerCall !== 'false') {
        throw invalid(`<Ring answerCall="${answerCall}">: must be true or false`);
      }
      return { verb, attributes, durationSeconds: duration(verb, attributes.duration, 5), answerCall: answerCall !== 'false' };
    }
    case 'Hangup':
      checkNoChildren(verb, element);
      return { verb, attributes };
    case 'Tag':
      return { verb, attributes, text };
    default: {
      checkNoChildren('Redirect', element);
      if (attributes.redirectUrl === undefined) throw invalid('<Redirect> needs a redirectUrl');
      if (attributes.tag !== undefined && attributes.tag.length > MAX_TAG_LENGTH) throw invalid(`<Redirect tag>: at most ${MAX_TAG_LENGTH} characters`);
      method('Redirect', 'redirectFallbackMethod', attributes.redirectFallbackMethod);
      return {
        verb: 'Redirect',
        attributes,
        redirectUrl: resolveUrl(attributes.redirectUrl, baseUrl, 'redirectUrl'),
        redirectMethod: method('Redirect', 'redirectMethod', attributes.redirectMethod),
        redirectFallbackUrl:
          attributes.redirectFallbackUrl === undefined ? undefined : resolveUrl(attributes.redirectFallbackUrl, baseUrl, 'redirectFallbackUrl'),
        username: attributes.username,
        password: attributes.password,
        fallbackUsername: attributes.fallbackUsername,
        fallbackPassword: attributes.fallbackPassword,
        tag: attributes.tag,
      };
    }
  }
}

/**
 * Parses a BXML document whose root must be `root` (`Response` for webhook replies, `Bxml` for
 * `PUT …/bxml`). Relative URLs resolve against `baseUrl`, the URL that served the document.
 * Verbs after a `<Redirect>` are kept out: they never run (§10.5).
 */
export function parseBxml(text: string, options: { root: BxmlRoot; baseUrl?: string }): BxmlDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_BXML_BYTES) throw invalid(`The document is larger than ${MAX_BXML_BYTES} bytes`);
  const element = documentElement(text);
  if (element.localName !== options.root) throw invalid(`The root element must be <${options.root}>, not <${element.localName}>`);
  if (attributesOf(element) && Object.keys(attributesOf(element)).length > 0) throw invalid(`<${options.root}> takes no attributes`);
  const verbs: BxmlVerb[] = [];
  for (const child of element.childNodes) {
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) {
      if ((child.textContent ?? '').trim() !== '') throw invalid(`Text outside a verb: ${JSON.stringify((child.textContent ?? '').trim().slice(0, 40))}`);
      continue;
    }
    if (child.nodeType !== ELEMENT_NODE) continue;
    verbs.push(parseVerb(child, options.baseUrl));
  }
  const redirect = verbs.findIndex((verb) => verb.verb === 'Redirect');
  return { root: options.root, verbs: redirect === -1 ? verbs : verbs.slice(0, redirect + 1) };
}
