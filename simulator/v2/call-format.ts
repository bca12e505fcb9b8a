import type { Logger } from 'pino';
import type { CallbackBody } from '../core/callback-attempt.js';
import type { CallEngine } from '../core/call-engine.js';
import type { CallFormat } from '../core/call-format.js';
import type { SimulatorSettings } from '../core/settings.js';
import type { SimCall } from '../core/sim-call.js';
import { BxmlRunner } from './bxml-runner.js';
import { requireV2Data } from './call-data.js';
import { callStateView } from './call-view.js';
import { v2Cause } from './causes.js';
import { answerEvent, disconnectEvent, initiateEvent } from './event-payloads.js';
import { newV2CallId } from './ids.js';
import { fetchBxml, notify, V2_CALLBACK_USER_AGENT } from './webhooks.js';

export interface V2FormatDependencies {
  accountId: string;
  /** The engine is built first (it needs a default format) and handed over once it exists. */
  engine: () => CallEngine;
  settings: SimulatorSettings;
  logger?: Logger;
}

/** A v2 call format plus access to each call's BXML runner, which the API's update routes drive. */
export interface V2CallFormat extends CallFormat {
  runnerOf(call: SimCall): BxmlRunner;
}

/**
 * How v2 presents a call: under its account (`/api/v2/accounts/{accountId}/calls/{callId}`), with
 * the call state of §4.1, and webhooks of its own: each event goes to the URL meant for it, and
 * the BXML that `answer`, `initiate` and `redirect` answer is executed. v2 has no `timeout`,
 * `dtmf` or playback webhooks.
 */
export function v2CallFormat(deps: V2FormatDependencies): V2CallFormat {
  const runners = new WeakMap<SimCall, BxmlRunner>();
  const runnerOf = (call: SimCall): BxmlRunner => {
    let runner = runners.get(call);
    if (!runner) {
      runner = new BxmlRunner(call, { engine: deps.engine(), settings: deps.settings, logger: deps.logger });
      runners.set(call, runner);
    }
    return runner;
  };

  const announce = async (call: SimCall, body: CallbackBody): Promise<unknown> => {
    const data = requireV2Data(call);
    switch (body.eventType) {
      case 'answer':
      case 'initiate': {
        const target = body.eventType === 'answer' ? data.answer : data.initiate;
        if (!target) return undefined;
        const reply = await fetchBxml(call, String(body.eventType), body, target);
        // Executed after the delivery is reported over, so whoever waits on the delivery does not wait on the call.
        queueMicrotask(() => runnerOf(call).follow(reply));
        return reply;
      }
      case 'disconnect':
        runners.get(call)?.stop();
        return data.disconnect ? notify(call, 'disconnect', body, data.disconnect) : undefined;
      default:
        return undefined;
    }
  };

  return {
    callbackUserAgent: V2_CALLBACK_USER_AGENT,
    newCallId: newV2CallId,
    callUri: (baseUrl, call) => `${baseUrl}/api/v2/accounts/${requireV2Data(call).accountId}/calls/${call.id}`,
    view: (call) => callStateView(call),
    // Inbound calls have no `answer` webhook: the BXML that answers them is already running.
    answer: (call, context) => (call.direction === 'out' ? answerEvent(call, context) : undefined),
    hangup: disconnectEvent,
    timeout: () => undefined,
    incomingCall: initiateEvent,
    dtmf: () => undefined,
    playback: () => undefined,
    speak: () => undefined,
    announce,
    controlView: (call) => {
      const data = requireV2Data(call);
      return { api: 'v2', tag: call.tag, disconnectCause: call.ended ? v2Cause(call.endCause) : undefined, bxml: data.executed };
    },
    runnerOf,
  };
}
