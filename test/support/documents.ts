/** GraphQL documents shared by the tests, written as a client would. */
export const CALL_FIELDS = /* GraphQL */ `
  fragment CallFields on Call {
    id
    bandwidthCallId
    direction
    from
    to
    state
    endReason
    hangupCause
    lastSequence
    answeredAt
    endedAt
    nowPlaying { id fileUrl status }
    playbacks { id fileUrl loop status error startedAt endedAt }
  }
`;

export const CREATE_CALL = /* GraphQL */ `
  mutation CreateCall($input: CreateCallInput!) {
    createCall(input: $input) { ...CallFields }
  }
  ${CALL_FIELDS}
`;

export const GET_CALL = /* GraphQL */ `
  query GetCall($id: ID!) {
    call(id: $id) { ...CallFields events { sequence type source applied deliveries payload } }
  }
  ${CALL_FIELDS}
`;

export const CALL_UPDATED = /* GraphQL */ `
  subscription CallUpdated($callId: ID) {
    callUpdated(callId: $callId) { ...CallFields }
  }
  ${CALL_FIELDS}
`;

export const CALL_EVENTS = /* GraphQL */ `
  subscription CallEvents($callId: ID!, $afterSequence: Int) {
    callEvents(callId: $callId, afterSequence: $afterSequence) {
      sequence callId type source applied deliveries payload occurredAt receivedAt
    }
  }
`;

export const PLAY_AUDIO = /* GraphQL */ `
  mutation PlayAudio($input: PlayAudioInput!) {
    playAudio(input: $input) { id callId fileUrl loop status }
  }
`;

export const STOP_AUDIO = /* GraphQL */ `
  mutation StopAudio($callId: ID!) { stopAudio(callId: $callId) { ...CallFields } }
  ${CALL_FIELDS}
`;

export const HANG_UP = /* GraphQL */ `
  mutation HangUp($callId: ID!) { hangUpCall(callId: $callId) { ...CallFields } }
  ${CALL_FIELDS}
`;

export const ANSWER = /* GraphQL */ `
  mutation Answer($callId: ID!) { answerCall(callId: $callId) { ...CallFields } }
  ${CALL_FIELDS}
`;

export interface CallView {
  id: string;
  bandwidthCallId: string | null;
  direction: string;
  from: string;
  to: string;
  state: string;
  endReason: string | null;
  hangupCause: string | null;
  lastSequence: number;
  answeredAt: string | null;
  endedAt: string | null;
  nowPlaying: { id: string; fileUrl: string; status: string } | null;
  playbacks: Array<{
    id: string;
    fileUrl: string;
    loop: boolean;
    status: string;
    error: string | null;
    startedAt: string | null;
    endedAt: string | null;
  }>;
  events?: Array<{ sequence: number; type: string; source: string; applied: boolean; deliveries: number; payload: any }>;
}

export interface CallEventView {
  sequence: number;
  callId: string;
  type: string;
  source: string;
  applied: boolean;
  deliveries: number;
  payload: any;
}

export const FROM = '+19195550100';
export const ANSWERS = '+19195550123';
/** Simulator conventions (docs/simulator.md). */
export const BUSY = '+15005550001';
export const REJECTS = '+15005550002';
export const NO_ANSWER = '+15005550003';
export const HANGS_UP = '+15005550004';
export const UNALLOCATED = '+15005550005';
export const ANSWERS_BEFORE_CREATE = '+15005550006';
export const REFUSED = '+15005550009';

export const file = (name: string, durationMs?: number): string =>
  `https://audio.example.com/${name}.mp3${durationMs === undefined ? '' : `?durationMs=${durationMs}`}`;
