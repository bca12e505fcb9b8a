import { it } from '@jest/globals';
import { BANDWIDTH_API } from './bandwidth-api.js';

/**
 * Runs a test on v1 only, for behaviour v2 cannot show: say why where it is used. Apart from
 * bandwidth-api.ts because that is loaded outside tests too (jest's global setup), where `it` is not.
 */
export const onV1Only = BANDWIDTH_API === 'v1' ? it : it.skip;
