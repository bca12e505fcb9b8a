import { withoutCredentials } from '../core/callback-url.js';
import type { SimCall } from '../core/sim-call.js';

/** v1 bills whole minutes, which is why its examples only show multiples of 60. */
function chargeableDuration(call: SimCall): number {
  if (!call.activeTime) return 0;
  const end = call.endTime ?? new Date();
  const activeMs = Math.max(1, end.getTime() - call.activeTime.getTime());
  return Math.ceil(activeMs / 60_000) * 60;
}

function optionalUrl(value: string | undefined): string | undefined {
  return value === undefined ? undefined : withoutCredentials(value);
}

/** The call resource as `GET /v1/users/{userId}/calls/{callId}` returns it; URLs lose their credentials. */
export function apiCallView(call: SimCall, callUri: string): Record<string, unknown> {
  return {
    id: call.id,
    direction: call.direction,
    from: call.from,
    to: call.to,
    state: call.state,
    startTime: call.startTime.toISOString(),
    activeTime: call.activeTime?.toISOString(),
    endTime: call.endTime?.toISOString(),
    callTimeout: call.callTimeout,
    callbackUrl: optionalUrl(call.callbackUrl),
    callbackHttpMethod: call.callbackHttpMethod,
    callbackTimeout: call.callbackTimeout,
    fallbackUrl: optionalUrl(call.fallbackUrl),
    chargeableDuration: chargeableDuration(call),
    tag: call.tag,
    events: `${callUri}/events`,
    recordings: `${callUri}/recordings`,
    transcriptions: `${callUri}/transcriptions`,
  };
}
