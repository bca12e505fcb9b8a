export type BandwidthApi = 'v1' | 'v2';

/**
 * Which of Bandwidth's APIs the running suite is on: `forEachSetup` (matrix.ts) chooses it for
 * each of its suites. Every test that starts the service gets its Bandwidth from here, so one
 * test proves the same behaviour on both. The constants below follow it (ES modules' exports
 * are live bindings).
 */
export let BANDWIDTH_API: BandwidthApi;

/** Called by `forEachSetup` only, as it registers and runs each suite. */
export function useBandwidthApi(api: BandwidthApi): void {
  BANDWIDTH_API = api;
  PROVIDER_CALL_ID = api === 'v2' ? /^c-[0-9a-f]{8}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/ : /^c-[a-z2-7]{23}$/;
  END_EVENT = api === 'v2' ? 'disconnect' : 'hangup';
  FILE_EVENT = api === 'v2' ? 'redirect' : 'playback';
  AUDIO_INVALID_STATE_STATUS = api === 'v2' ? 409 : 403;
}

/** The service's environment for the built-in simulator in this run's API version. */
export function simulatedBandwidthEnv(): Record<string, string> {
  return BANDWIDTH_API === 'v2' ? { BANDWIDTH_API_VERSION: 'v2' } : {};
}

type Control = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;

/** What Bandwidth's call ids look like: v1's `c-` + 23 base32 characters, v2's `c-` + hex groups. */
export let PROVIDER_CALL_ID: RegExp;

/** v2's `disconnect` causes for the v1 causes tests are written with (the simulator's mapping). */
const V2_CAUSES: Record<string, string> = {
  NORMAL_CLEARING: 'hangup',
  USER_BUSY: 'busy',
  CALL_REJECTED: 'rejected',
  NO_ANSWER: 'timeout',
  ORIGINATOR_CANCEL: 'cancel',
  UNALLOCATED_NUMBER: 'error',
};

/** Bandwidth's own word for a hangup cause (a call's `hangupCause`), written as v1 says it. */
export function hangupCause(v1Cause: string): string {
  return BANDWIDTH_API === 'v2' ? (V2_CAUSES[v1Cause] ?? v1Cause) : v1Cause;
}

/**
 * How a call that ended with this v1 cause before the answer ends on this run's API. v2 reports
 * an unallocated number as a plain `error`, so it cannot be told from other errors there.
 */
export function endReasonBeforeAnswer(v1EndReason: string): string {
  return BANDWIDTH_API === 'v2' && v1EndReason === 'UNREACHABLE' ? 'ERROR' : v1EndReason;
}

export interface PlayRequest {
  fileUrl: string;
  /** Our playback id, where the request says (v1's audio tag; v2's redirect after a file that finished). */
  tag?: string;
  loop?: boolean;
}

/**
 * The files Bandwidth was asked to play on a call, in order: v1's `POST …/audio` requests (those
 * that start a file), v2's executed `<PlayAudio>` verbs.
 */
export async function playRequests(sim: Control, providerCallId: string): Promise<PlayRequest[]> {
  if (BANDWIDTH_API === 'v1') {
    const requests = await sim<Array<{ method: string; path: string; body: { fileUrl?: string; tag?: string; loopEnabled?: boolean } }>>(
      'GET',
      `/control/requests?callId=${providerCallId}`,
    );
    return requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/audio') && r.body.fileUrl)
      .map((r) => ({ fileUrl: r.body.fileUrl!, tag: r.body.tag, loop: r.body.loopEnabled }));
  }
  const call = await sim<{ bxml: Array<{ document: number; verb: string; text?: string; attributes?: Record<string, string> }> }>(
    'GET',
    `/control/calls/${providerCallId}`,
  );
  const played: PlayRequest[] = [];
  call.bxml.forEach((verb, index) => {
    if (verb.verb !== 'PlayAudio') return;
    const next = call.bxml[index + 1];
    const redirect = next?.document === verb.document && next.verb === 'Redirect' ? new URL(next.attributes!.redirectUrl!) : undefined;
    played.push({
      fileUrl: verb.text!,
      tag: redirect?.searchParams.get('playback') ?? undefined,
      loop: redirect ? redirect.searchParams.get('loop') === '1' : undefined,
    });
  });
  return played;
}

/** The simulator's view of a call in v1's words, whichever API it is on: what differs is only how v2 spells them. */
export async function simulatedCall(sim: Control, providerCallId: string): Promise<{ state: string; direction: 'in' | 'out' }> {
  const call = await sim<{ state: string; direction: string }>('GET', `/control/calls/${providerCallId}`);
  if (BANDWIDTH_API === 'v1') return call as { state: string; direction: 'in' | 'out' };
  return {
    state: ({ queued: 'started', initiated: 'started', answered: 'active', disconnected: 'completed' } as Record<string, string>)[call.state] ?? call.state,
    direction: call.direction === 'inbound' ? 'in' : 'out',
  };
}

/** The simulator's state of a call in v1's words (`started`, `active`, `completed`), whichever API it is on. */
export async function simulatedCallState(sim: Control, providerCallId: string): Promise<string> {
  return (await simulatedCall(sim, providerCallId)).state;
}

/**
 * What Bandwidth was told to do with a call's audio, in order, in v1's words: a file URL for each
 * file asked for, `''` for each stop. v1: the `fileUrl` of every `POST …/audio` (`''` is its stop).
 * v2 has no stop: the service replaces what plays with the hold document, so a stop is a document
 * that starts with the hold's `<Pause>` and cut a `<PlayAudio>` off, or answered the redirect at a
 * loop's end (which would otherwise play it again); a hold after a file that finished for good, or
 * after the answer, is no request of ours about audio. A v2 loop is the file asked for
 * again at each end (BXML cannot loop): its replays are the one request v1 makes.
 */
export async function audioCommands(sim: Control, providerCallId: string): Promise<string[]> {
  if (BANDWIDTH_API === 'v1') {
    const requests = await sim<Array<{ method: string; path: string; body: { fileUrl?: string } }>>('GET', `/control/requests?callId=${providerCallId}`);
    return requests.filter((r) => r.method === 'POST' && r.path.endsWith('/audio')).map((r) => r.body.fileUrl ?? '');
  }
  const call = await untilRepliesArrived(sim, providerCallId);
  const commands: string[] = [];
  call.bxml.forEach((step, index) => {
    const previous = call.bxml[index - 1];
    const startsDocument = previous?.document !== step.document;
    // A loop's end asks whether to play it again (redirect with loop=1).
    const looped = previous?.verb === 'Redirect' && new URL(previous.attributes!.redirectUrl!).searchParams.get('loop') === '1';
    const cutOff = previous?.verb === 'PlayAudio' && previous.outcome === 'interrupted';
    if (step.verb === 'Pause' && startsDocument && (cutOff || looped)) commands.push('');
    if (step.verb !== 'PlayAudio') return;
    // A loop's replay: the same file again in the reply to the redirect that ended it with loop=1.
    const replay = startsDocument && looped && call.bxml[index - 2]?.verb === 'PlayAudio' && call.bxml[index - 2]!.text === step.text;
    if (!replay) commands.push(step.text!);
  });
  return commands;
}

/**
 * The call's BXML once no `<Redirect>` of it waits for our reply (at most 2 s). v2 takes what the
 * service says in the reply to a webhook, which goes out after the service has decided: an idle
 * service may still have a reply on its way, which v1's REST requests never leave behind.
 */
async function untilRepliesArrived(sim: Control, providerCallId: string): Promise<{ bxml: BxmlStep[] }> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const call = await sim<{ bxml: BxmlStep[] }>('GET', `/control/calls/${providerCallId}`);
    const last = call.bxml.at(-1);
    if (last?.verb !== 'Redirect' || last.outcome != null || Date.now() > deadline) return call;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface BxmlStep {
  document: number;
  verb: string;
  text?: string;
  attributes?: Record<string, string>;
  outcome?: string;
}

/** Rings the service from the far end: a new inbound call, announced as this run's API announces one. */
export async function injectIncomingCall(sim: Control, call: { from: string; to: string }): Promise<{ callId: string }> {
  return sim('POST', '/control/incoming', BANDWIDTH_API === 'v2' ? { api: 'v2', ...call } : call);
}

/** The type of the event in a call's log by which Bandwidth says the call ended. */
export let END_EVENT: string;

/** The type of the events in a call's log by which Bandwidth reports on a file: v1's `playback`, v2's `redirect` after it. */
export let FILE_EVENT: string;
/**
 * Whether a call-log entry says a file started. v1 calls back `playback` `started`; v2 sends no
 * event when a file starts (only the `<Redirect>` after it), so the nearest the log says is our own
 * `playback.requested`, written as the file is sent to Bandwidth.
 */
export function isFileStart(event: { type: string }): boolean {
  return BANDWIDTH_API === 'v2' ? event.type === 'playback.requested' : event.type === 'playback';
}

/**
 * Keeps a call's next events from the service until `release()`, so the service must learn of its
 * answer some other way. v1 holds the call's callbacks at the simulator. v2 cannot: its `answer`
 * is a BXML webhook, and one that does not reach us ends the call (`callback-error`), so every
 * webhook is delayed by `delayMs` instead (start it before the far end answers) and `release()`
 * ends the delay for later ones; the withheld answer then arrives late, as a held one would.
 */
export async function withholdCallbacks(sim: Control, providerCallId: string, delayMs = 3000): Promise<{ release(): Promise<void> }> {
  if (BANDWIDTH_API === 'v1') {
    await sim('POST', `/control/calls/${providerCallId}/hold`);
    return { release: () => sim('POST', `/control/calls/${providerCallId}/release`, {}) };
  }
  await sim('PUT', '/control/faults/callbacks', { delayMs });
  return { release: () => sim('DELETE', '/control/faults/callbacks') };
}

/** What the simulator says of its v2 account (the built-in one is `server.simulator`). */
export interface SimulatorAccount {
  v2: { accountId: string; applicationIds: readonly string[] };
}

/**
 * The account and application every v2 webhook names, as Bandwidth's do: those the service was
 * set up with (the simulator's first application), without which it refuses the webhook.
 */
export function v2Account(simulator: SimulatorAccount): { accountId: string; applicationId: string } {
  return { accountId: simulator.v2.accountId, applicationId: simulator.v2.applicationIds[0]! };
}

/**
 * A webhook of this run's API that carries nothing the call acts on, numbered `n` by its event time
 * (which the log keeps in `payload.time` on v1, `payload.eventTime` on v2): v1's `dtmf`, v2's
 * `redirect` without a marker of ours (v2 has no key-press webhook). `path` is under the service.
 */
export function informationalWebhook(call: { id: string; bandwidthCallId?: string | null }, n: number, simulator: SimulatorAccount): {
  path: string;
  body: Record<string, unknown>;
  type: string;
  time: string;
  timeOf(payload: Record<string, unknown>): string;
} {
  const time = new Date(Date.UTC(2026, 0, 1) + n).toISOString();
  if (BANDWIDTH_API === 'v2') {
    return {
      path: '/webhooks/bandwidth/v2/redirect',
      body: { eventType: 'redirect', callId: call.bandwidthCallId, eventTime: time, tag: call.id, ...v2Account(simulator) },
      type: 'redirect',
      time,
      timeOf: (payload) => payload.eventTime as string,
    };
  }
  return {
    path: '/webhooks/bandwidth',
    body: { eventType: 'dtmf', callId: call.bandwidthCallId, dtmfDigit: String(n % 10), time, tag: call.id },
    type: 'dtmf',
    time,
    timeOf: (payload) => payload.time as string,
  };
}


/**
 * How many webhooks Bandwidth sends for an outbound call that is answered, plays `files` files to
 * the end and is hung up: v1's `answer`, `playback` `started` and `done` per file, and `hangup`;
 * v2's `answer`, one `redirect` per file (at its end) and `disconnect`.
 */
export function webhooksOfCall(files: number): number {
  return BANDWIDTH_API === 'v2' ? files + 2 : 2 * files + 2;
}
/**
 * Whether an event of a call's log is Bandwidth saying a file finished: v1's `playback` event with
 * status `done`; v2 sends none, and the `redirect` after the file (marked `playback`) stands for it.
 */
export function isFileDone(event: { type: string; payload: Record<string, any> }): boolean {
  if (BANDWIDTH_API === 'v1') return event.type === 'playback' && event.payload.status === 'done';
  return event.type === 'redirect' && event.payload.redirectMarker?.kind === 'playback';
}

/**
 * The status by which Bandwidth refuses to play on a call that cannot take audio now: v1's 403
 * `call-audio-invalid-state` on `POST …/audio`, v2's 409 on `PUT …/bxml` (which the service reports
 * with the same code, as v2 error bodies carry none).
 */
export let AUDIO_INVALID_STATE_STATUS: number;

/**
 * A simulator API fault rule for the next `times` requests (every one when unset) that start a file on a call that
 * already plays or holds: v1's `POST …/audio`, v2's `PUT …/bxml`. v2 also sends files in the
 * reply to a webhook (the answer, the redirect after a file), which no API fault reaches: tests of
 * refused audio ask for it on an answered call with nothing playing. `error` is written into the
 * answer in the API's own error body (v1 `category`/`code`/`message`, v2 only `description`).
 */
export function audioRequestFault(
  status: number,
  options: { times?: number; error?: { category: string; code: string } } = {},
): Record<string, unknown> {
  const { times, error } = options;
  const message = error && `simulated ${error.code}`;
  const when = times === undefined ? {} : { times };
  if (BANDWIDTH_API === 'v1') {
    const body = error && { category: error.category, code: error.code, message };
    return { method: 'POST', path: '/audio', ...when, action: { type: 'status', status, ...(body ? { body } : {}) } };
  }
  const body = message && { description: message };
  return { api: 'v2', method: 'PUT', path: '/bxml', ...when, action: { type: 'status', status, ...(body ? { body } : {}) } };
}

// v1 until `forEachSetup` chooses (jest's global setup and teardown load this module outside any suite).
useBandwidthApi('v1');
