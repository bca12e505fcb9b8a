import { Field, ID, ObjectType } from 'type-graphql';
import { PlaybackStatus } from '../calls/call.js';
import './enums.js';

@ObjectType({ description: 'One audio file queued on a call.' })
export class Playback {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  callId!: string;

  @Field(() => String)
  fileUrl!: string;

  @Field(() => Boolean, { description: 'Repeats until stopped.' })
  loop!: boolean;

  @Field(() => PlaybackStatus)
  status!: PlaybackStatus;

  @Field(() => String, { nullable: true, description: 'Why it FAILED (Bandwidth error code and message).' })
  error!: string | null;

  @Field(() => Date)
  queuedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the file started: as Bandwidth reported it (v1), or when it was handed to Bandwidth (v2, which reports no start).' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;
}
