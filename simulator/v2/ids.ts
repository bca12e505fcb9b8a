import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A v2 call id: `c-`, two groups of 8 hex digits and the last three groups of a UUID, 47
 * characters like `c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85` (bandwidth-v2.md §1).
 */
export function newV2CallId(): string {
  const uuid = randomUUID();
  return `c-${randomBytes(4).toString('hex')}-${uuid.slice(0, 8)}-${uuid.slice(9)}`;
}
