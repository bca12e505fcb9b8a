import { randomBytes } from 'node:crypto';

/** The 32 characters Bandwidth v1 ids are made of (lower-case base32). */
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Every v1 id carries 23 characters after its prefix (`c-isw3qup6gvr3ywcsentygnq`). */
const ID_BODY_LENGTH = 23;

function randomIdBody(): string {
  // 256 is a multiple of 32, so taking each byte modulo 32 keeps every character equally likely.
  let body = '';
  for (const byte of randomBytes(ID_BODY_LENGTH)) body += ID_ALPHABET[byte % ID_ALPHABET.length];
  return body;
}

/** A call id shaped like the real ones, so clients that validate ids accept it. */
export function newCallId(): string {
  return `c-${randomIdBody()}`;
}

/** An id for one entry of a call's internal event log (`GET …/calls/{id}/events`). */
export function newCallEventId(): string {
  return `ce-${randomIdBody()}`;
}

/** The id of the simulated application that receives incoming calls. */
export function newApplicationId(): string {
  return `a-${randomIdBody()}`;
}
