import type { StatusFaultAction } from '../core/api-faults.js';
import type { ApiErrorResponse } from '../core/api-version.js';
import type { V2ErrorBody } from './api-error.js';

/** When the rule does not say, a 429 asks the client to wait this long. */
const DEFAULT_RESET_AFTER_MS = 1000;

/** The bodies of the v2 errors page (bandwidth-v2.md §7.1), so a rule usually needs only the status. */
const DOCUMENTED: Record<number, V2ErrorBody> = {
  400: { type: 'validation', description: 'Invalid to: must be an E164 telephone number', id: null },
  401: { type: 'authentication-error', description: 'The credentials provided were invalid', id: null },
  403: { type: 'authorization-error', description: 'Access is denied', id: null },
  404: { type: 'validation', description: 'Call [c-unknown] not found', id: null },
  405: { type: 'validation', description: 'Method Not Allowed', id: null },
  409: { type: 'validation', description: 'Call [c-unknown] cannot be modified in its current state', id: '' },
  415: { type: 'validation', description: "Content type 'text/plain;charset=UTF-8' not supported", id: null },
  429: { type: 'error', description: 'Account call creation rate limit exceeded', id: '' },
  500: { type: 'internal-error', description: 'An unknown internal error occurred', id: null },
  503: { type: 'system-overloaded', description: 'Managing too many concurrent calls', id: null },
};

function undocumented(status: number): V2ErrorBody {
  return { type: status >= 500 ? 'internal-error' : 'validation', description: `Fault injected by the simulator (HTTP ${status})`, id: null };
}

/** The answer a `status` fault gives a v2 request: the documented body, overridden by the rule's `{type, description, id}`. */
export function injectedV2Error(action: StatusFaultAction): ApiErrorResponse {
  const documented = DOCUMENTED[action.status] ?? undocumented(action.status);
  const { type, description, id } = action.body ?? {};
  const body: V2ErrorBody = {
    type: type ?? documented.type,
    description: description ?? documented.description,
    id: id === undefined ? documented.id : id,
  };
  const headers: Record<string, string> = {};
  if (action.status === 429) headers['Retry-After'] = String(Math.max(1, Math.ceil((action.resetAfterMs ?? DEFAULT_RESET_AFTER_MS) / 1000)));
  Object.assign(headers, action.headers);
  return { status: action.status, headers, body };
}
