import { useCallback, useRef } from 'react';

/** 128 random bits as hex. `crypto.randomUUID` exists only on https and localhost; this works on plain http too. */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * One idempotency key per intended request: kept while the same request is retried (a reply lost
 * with a dropped connection may hide that it was done), replaced once it succeeded or the form
 * changed. The API then does it once, however many times the button was pressed.
 */
export function useIdempotencyKey(): { key(request: string): string; done(): void } {
  const current = useRef<{ request: string; key: string }>();
  const key = useCallback((request: string): string => {
    if (current.current?.request !== request) current.current = { request, key: randomKey() };
    return current.current.key;
  }, []);
  const done = useCallback(() => {
    current.current = undefined;
  }, []);
  return { key, done };
}
