import type { CallEngine } from './call-engine.js';
import type { SimCall } from './sim-call.js';

/** A refusal of the control API, rendered as `{error: {code, message}}`. */
export class ControlError extends Error {
  override readonly name: string = 'ControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function controlErrorBody(error: ControlError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/** The call a control route names, or the control API's 404. */
export function requireCall(engine: CallEngine, callId: string): SimCall {
  const call = engine.getCall(callId);
  if (!call) throw new ControlError(404, 'call-not-found', `No call ${callId}`);
  return call;
}
