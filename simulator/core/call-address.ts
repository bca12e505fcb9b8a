/**
 * What a call may be placed to, or come from: the address rules every Bandwidth API shares, used by
 * the API request schemas and by the control API (scripts, injected incoming calls) alike.
 */

/** An E.164 phone number: `+`, a non-zero digit, at most 15 digits in all. */
export const E164_NUMBER = /^\+[1-9]\d{1,14}$/;

/** SIPS is not supported, only plain `sip:`. */
const SIP_URI = /^sip:\S+$/i;

/** What a call's `to` may be: an E.164 number or a SIP URI. */
export function isCallAddress(value: string): boolean {
  return E164_NUMBER.test(value) || SIP_URI.test(value);
}
