import type { SimulatorSettings } from './settings.js';

export const FAR_END_OUTCOMES = ['answer', 'busy', 'reject', 'no-answer', 'unallocated', 'refuse'] as const;

/** How the called party responds to an outbound call. `refuse` means the API refuses to place it. */
export type FarEndOutcome = (typeof FAR_END_OUTCOMES)[number];

/** A scripted far end for one destination, as set with `PUT /control/scripts/:to`. */
export interface FarEndScript {
  outcome: FarEndOutcome;
  /**
   * When the outcome happens, in ms after the call is created. Defaults to `answerDelayMs`; for
   * `no-answer` it replaces the call's own `callTimeout`, so tests need not wait a minute.
   */
  afterMs?: number;
  /** For `answer`: the far end hangs up (`NORMAL_CLEARING`) this long after answering. */
  hangupAfterMs?: number;
  /** For `answer`: the `answer` callback is delivered before the create request gets its `201`. */
  answerBeforeCreateResponse?: boolean;
}

/** A script with every default filled in for one particular call. */
export interface FarEndPlan {
  outcome: FarEndOutcome;
  /** When the outcome happens (ignored for `no-answer`, which is governed by `ringTimeoutMs`). */
  afterMs: number;
  /** How long the call may ring before it times out with `timeout` + `hangup NO_ANSWER`. */
  ringTimeoutMs: number;
  hangupAfterMs?: number;
  answerBeforeCreateResponse: boolean;
}

/** Fills in a script's defaults from the current settings and the call's `callTimeout` (seconds). */
export function planFarEnd(script: FarEndScript, settings: SimulatorSettings, callTimeoutSeconds: number): FarEndPlan {
  const callTimeoutMs = callTimeoutSeconds * 1000;
  const ringTimeoutMs = script.outcome === 'no-answer' ? (script.afterMs ?? callTimeoutMs) : callTimeoutMs;
  return {
    outcome: script.outcome,
    afterMs: script.afterMs ?? settings.answerDelayMs,
    ringTimeoutMs,
    hangupAfterMs: script.hangupAfterMs,
    answerBeforeCreateResponse: script.answerBeforeCreateResponse === true,
  };
}
