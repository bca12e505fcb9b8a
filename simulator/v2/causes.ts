/**
 * The engine names causes as v1 does (the far end is shared); v2's `disconnect` webhook and call
 * state use its own words (bandwidth-v2.md §8.6). Causes v2 code raises itself (`callback-error`,
 * `invalid-bxml`, …) are already lower-case and pass through.
 */
const FROM_ENGINE: Record<string, string> = {
  NORMAL_CLEARING: 'hangup',
  USER_BUSY: 'busy',
  CALL_REJECTED: 'rejected',
  NO_ANSWER: 'timeout',
  ORIGINATOR_CANCEL: 'cancel',
  // Bandwidth lists no cause for a number that does not exist; `error` with a message is the nearest.
  UNALLOCATED_NUMBER: 'error',
};

export function v2Cause(engineCause: string | undefined): string | undefined {
  if (engineCause === undefined) return undefined;
  if (/^[a-z-]+$/.test(engineCause)) return engineCause;
  // Any other far-end hang-up cause the control API is given is still a hang-up.
  return FROM_ENGINE[engineCause] ?? 'hangup';
}

/** The `errorMessage` a cause brings when the code that ended the call gave none. */
export function defaultErrorMessage(cause: string): string | undefined {
  switch (cause) {
    case 'busy':
      return 'Callee is busy';
    case 'error':
      return 'The number called is not allocated';
    default:
      return undefined;
  }
}
