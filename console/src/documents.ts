import { graphql } from './gql';

/**
 * Every operation the console sends. GraphQL Code Generator reads these against
 * `schema.graphql` and gives each one its result and variable types.
 */

export const CallFieldsFragment = graphql(`
  fragment CallFields on Call {
    id
    state
    direction
    from
    to
    createdAt
    answeredAt
    endedAt
    endReason
    hangupCause
    lastSequence
    nowPlaying { id fileUrl loop startedAt }
    playbacks { id fileUrl loop status error }
  }
`);

export const CallsQuery = graphql(`
  query ConsoleCalls($first: Int!) {
    calls(first: $first) { nodes { ...CallFields } }
  }
`);

export const CallUpdatedSubscription = graphql(`
  subscription ConsoleCallUpdated {
    callUpdated { ...CallFields }
  }
`);

export const CallEventsSubscription = graphql(`
  subscription ConsoleCallEvents($callId: ID!, $afterSequence: Int) {
    callEvents(callId: $callId, afterSequence: $afterSequence) {
      sequence
      type
      source
      applied
      deliveries
      occurredAt
      receivedAt
      payload
    }
  }
`);

export const CreateCallMutation = graphql(`
  mutation ConsoleCreateCall($input: CreateCallInput!) {
    createCall(input: $input) { ...CallFields }
  }
`);

export const PlayAudioMutation = graphql(`
  mutation ConsolePlayAudio($input: PlayAudioInput!) {
    playAudio(input: $input) { id status }
  }
`);

export const StopAudioMutation = graphql(`
  mutation ConsoleStopAudio($callId: ID!) {
    stopAudio(callId: $callId) { ...CallFields }
  }
`);

export const HangUpCallMutation = graphql(`
  mutation ConsoleHangUpCall($callId: ID!) {
    hangUpCall(callId: $callId) { ...CallFields }
  }
`);

export const AnswerCallMutation = graphql(`
  mutation ConsoleAnswerCall($callId: ID!) {
    answerCall(callId: $callId) { ...CallFields }
  }
`);
