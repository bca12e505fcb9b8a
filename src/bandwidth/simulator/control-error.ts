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
