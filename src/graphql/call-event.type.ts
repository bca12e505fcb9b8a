import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { EventSource } from '../calls/call.js';
import './enums.js';

/** What one event's `payload` adds to an operation's estimated cost; every other field costs 1. */
export const PAYLOAD_COST = 5;

@ObjectType({ description: "An entry in a call's event log." })
export class CallEvent {
  @Field(() => Int, { description: 'Gap-free position in the call’s log, starting at 1.' })
  sequence!: number;

  @Field(() => ID)
  callId!: string;

  @Field(() => String, {
    description: 'Bandwidth eventType (answer, playback, hangup, …) or this service’s own (call.requested, playback.queued, …).',
  })
  type!: string;

  @Field(() => EventSource)
  source!: EventSource;

  @Field(() => Date, { description: 'When it happened, by the sender’s clock.' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When this service recorded it.' })
  receivedAt!: Date;

  // Priced as five fields (see operation-limits.ts): a payload is a whole document, often hundreds
  // of bytes, so a page of them costs what it returns.
  @Field(() => GraphQLJSONObject, { description: 'The event as received from Bandwidth, or this service’s details.', complexity: PAYLOAD_COST })
  payload!: Record<string, unknown>;

  @Field(() => Boolean, {
    description: 'Whether it changed the call. False for late events after the call ended, repeats and unknown types.',
  })
  applied!: boolean;

  @Field(() => Int, { description: 'How many times Bandwidth delivered it; redeliveries are counted, not applied.' })
  deliveries!: number;
}
