import { it } from '@jest/globals';
import { BANDWIDTH_API } from './bandwidth-api.js';

/**
 * `it` for a behaviour Bandwidth's v2 API has no counterpart of, skipped on v2 (jest counts it as
 * skipped). Kept apart from bandwidth-api.ts, which jest's global setup and teardown load through
 * the test service, where `@jest/globals` has no `it`. Keep it for what truly cannot happen on v2,
 * and say in the test's name what that is. It reads the API as the test is registered, inside
 * `forEachSetup`.
 */
export function onV1Only(name: string, test: () => Promise<unknown>, timeout?: number): void {
  (BANDWIDTH_API === 'v1' ? it : it.skip)(name, test, timeout);
}
