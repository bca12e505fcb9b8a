import type { CallbackBody } from '../core/callback-attempt.js';
import type { EventContext } from '../core/call-format.js';
import type { SimCall } from '../core/sim-call.js';
import { requireV2Data } from './call-data.js';
import { defaultErrorMessage, v2Cause } from './causes.js';

/**
 * The v2 webhook bodies (bandwidth-v2.md §8.4–8.7). `tag` is on every webhook while the call has
 * one; `initiate` never has one (the call has none yet).
 */

function common(call: SimCall, eventType: string, context: EventContext): CallbackBody {
  const data = requireV2Data(call);
  return {
    eventType,
    eventTime: context.time.toISOString(),
    accountId: data.accountId,
    applicationId: data.applicationId,
    from: call.from,
    to: call.to,
    direction: call.direction === 'in' ? 'inbound' : 'outbound',
    callId: call.id,
    callUrl: context.callUri,
  };
}

function times(call: SimCall): CallbackBody {
  return {
    enqueuedTime: requireV2Data(call).enqueuedTime?.toISOString(),
    startTime: call.startTime.toISOString(),
    answerTime: call.activeTime?.toISOString(),
  };
}

export function answerEvent(call: SimCall, context: EventContext): CallbackBody {
  return { ...common(call, 'answer', context), ...times(call), tag: call.tag };
}

export function redirectEvent(call: SimCall, context: EventContext): CallbackBody {
  return { ...common(call, 'redirect', context), ...times(call), tag: call.tag };
}

export function initiateEvent(call: SimCall, context: EventContext): CallbackBody {
  return { ...common(call, 'initiate', context), startTime: call.startTime.toISOString() };
}

export function disconnectEvent(call: SimCall, engineCause: string, context: EventContext): CallbackBody {
  const data = requireV2Data(call);
  const cause = v2Cause(engineCause) ?? 'hangup';
  const errorMessage = data.errorMessage ?? defaultErrorMessage(cause);
  return {
    ...common(call, 'disconnect', context),
    ...times(call),
    endTime: (call.endTime ?? context.time).toISOString(),
    cause,
    errorMessage,
    errorId: errorMessage === undefined ? undefined : data.errorId,
    tag: call.tag,
  };
}
