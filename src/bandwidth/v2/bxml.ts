import { create } from 'xmlbuilder2';

/**
 * The BXML verbs this adapter sends, as data. Written with xmlbuilder2 rather than the SDK's
 * builders: those un-escape anything tag-like in the whole document (a file URL containing `<a>`
 * became an element) and would bring axios into production.
 */
export type BxmlVerb =
  | { verb: 'PlayAudio'; url: string }
  | { verb: 'Pause'; durationSeconds: number }
  | { verb: 'Ring'; durationSeconds: number; answerCall: boolean }
  | {
      verb: 'Redirect';
      redirectUrl: string;
      username?: string;
      password?: string;
      redirectFallbackUrl?: string;
      fallbackUsername?: string;
      fallbackPassword?: string;
    }
  | { verb: 'Hangup' };

/**
 * `Response` for a webhook's reply, `Bxml` for `PUT …/calls/{id}/bxml` (the root both Bandwidth's
 * specification and its SDK's tests use there).
 */
export type BxmlRoot = 'Response' | 'Bxml';

/** The document as one line with its XML declaration, every text and attribute XML-escaped. */
export function renderBxml(root: BxmlRoot, verbs: readonly BxmlVerb[]): string {
  const document = create({ version: '1.0', encoding: 'UTF-8' }).ele(root);
  for (const verb of verbs) {
    switch (verb.verb) {
      case 'PlayAudio':
        document.ele('PlayAudio').txt(verb.url).up();
        break;
      case 'Pause':
        document.ele('Pause', { duration: String(verb.durationSeconds) }).up();
        break;
      case 'Ring':
        document.ele('Ring', { duration: String(verb.durationSeconds), answerCall: String(verb.answerCall) }).up();
        break;
      case 'Redirect': {
        const attributes: Record<string, string> = { redirectUrl: verb.redirectUrl };
        for (const name of ['username', 'password', 'redirectFallbackUrl', 'fallbackUsername', 'fallbackPassword'] as const) {
          if (verb[name] !== undefined) attributes[name] = verb[name];
        }
        document.ele('Redirect', attributes).up();
        break;
      }
      case 'Hangup':
        document.ele('Hangup').up();
        break;
    }
  }
  return document.end({ headless: false });
}
