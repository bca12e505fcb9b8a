import { StaticAuthoriser } from '../authoriser.js';

/**
 * HTTP Basic with a Bandwidth API user (`username:password`). Bandwidth deprecates API users for
 * OAuth client credentials, so this is the transition mode; a 401 is final (the same pair would be
 * refused again).
 */
export function basicAuthoriser(username: string, password: string): StaticAuthoriser {
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new TypeError('basicAuthoriser: username and password must be non-empty strings');
  }
  const encoded = Buffer.from(`${username}:${password}`).toString('base64');
  return new StaticAuthoriser(`Basic ${encoded}`, [password, encoded]);
}
