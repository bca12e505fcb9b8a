import { Field, ID, Int, ObjectType } from 'type-graphql';
import { CallDirection, CallState, EndReason } from '../calls/call.js';
import './enums.js';

@ObjectType({ description: 'A phone call placed or received through Bandwidth.' })
export class Call {
  @Field(() => ID, { description: 'Our id, returned by createCall before Bandwidth is asked.' })
  id!: string;

  @Field(() => String, { name: 'bandwidthCallId', nullable: true, description: 'Bandwidth’s id (c-…) once known.' })
  providerCallId!: string | null;

  @Field(() => CallDirection)
  direction!: CallDirection;

  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;

  @Field(() => CallState)
  state!: CallState;

  @Field(() => EndReason, { nullable: true })
  endReason!: EndReason | null;

  @Field(() => String, { nullable: true, description: 'Bandwidth’s hangup cause or error code, as sent.' })
  hangupCause!: string | null;

  @Field(() => Int, { nullable: true })
  callTimeoutSeconds!: number | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  answeredAt!: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;

  @Field(() => Int, {
    description: 'Sequence of the last event in the call’s log: pass it as afterSequence to callEvents to resume.',
  })
  lastSequence!: number;
}
