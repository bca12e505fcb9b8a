import { Field, ID, InputType, Int } from 'type-graphql';

const IDEMPOTENCY_KEY =
  'Up to 128 characters. Retrying with the same key returns the first result instead of doing it again (kept 24 hours, per API token).';

@InputType({ description: 'An audio file to play: http(s) URL of an .mp3 or .wav file.' })
class AudioInput {
  @Field(() => String)
  fileUrl!: string;

  @Field(() => Boolean, { defaultValue: false, description: 'Repeat until stopped (the files after it wait).' })
  loop!: boolean;
}

@InputType()
export class CreateCallInput {
  @Field(() => String, { description: 'Your Bandwidth number, E.164 (+19195551212).' })
  from!: string;

  @Field(() => String, { description: 'E.164 number or sip: URI.' })
  to!: string;

  @Field(() => [AudioInput], { nullable: true, description: 'Files to play in order once the call is answered.' })
  audio?: AudioInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Seconds to wait for an answer (1–300; Bandwidth’s default: 60 on v1, 30 on v2).' })
  callTimeoutSeconds?: number | null;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY })
  idempotencyKey?: string | null;
}

@InputType()
export class PlayAudioInput {
  @Field(() => ID)
  callId!: string;

  @Field(() => String, { description: 'http(s) URL of an .mp3 or .wav file.' })
  fileUrl!: string;

  @Field(() => Boolean, { defaultValue: false })
  loop!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Stop what is playing and play this now; the rest of the queue plays after it.',
  })
  interrupt!: boolean;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY })
  idempotencyKey?: string | null;
}
