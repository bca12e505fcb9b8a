import type { FarEndScript } from './far-end.js';
import type { SimulatorSettings } from './settings.js';

/**
 * Reserved destination numbers whose far end behaves in a fixed way, so a test (or a person with
 * curl) can pick a scenario just by dialling a number. Scripts set through the control API win.
 */
const RESERVED_NUMBERS = Object.freeze({
  busy: '+15005550001',
  reject: '+15005550002',
  noAnswer: '+15005550003',
  answerThenHangUp: '+15005550004',
  unallocated: '+15005550005',
  answerBeforeCreateResponse: '+15005550006',
  refuse: '+15005550009',
});

/** The far end a destination gets when no script overrides it. */
export function conventionFor(to: string, settings: SimulatorSettings): FarEndScript {
  switch (to) {
    case RESERVED_NUMBERS.busy:
      return { outcome: 'busy' };
    case RESERVED_NUMBERS.reject:
      return { outcome: 'reject' };
    case RESERVED_NUMBERS.noAnswer:
      return { outcome: 'no-answer' };
    case RESERVED_NUMBERS.answerThenHangUp:
      return { outcome: 'answer', hangupAfterMs: settings.remoteHangupDelayMs };
    case RESERVED_NUMBERS.unallocated:
      return { outcome: 'unallocated' };
    case RESERVED_NUMBERS.answerBeforeCreateResponse:
      return { outcome: 'answer', answerBeforeCreateResponse: true };
    case RESERVED_NUMBERS.refuse:
      return { outcome: 'refuse' };
    default:
      return { outcome: 'answer' };
  }
}
