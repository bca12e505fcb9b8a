import { GraphQLError } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CallEventRecord, CallRecord, PlaybackRecord } from '../calls/call.js';
import { CallState, PlaybackStatus } from '../calls/call.js';
import type { CallCursor, CallStore } from '../calls/call-store.js';
import { validCallId } from '../calls/command-input.js';
import { CallConnection } from './call-connection.type.js';
import { CallEvent } from './call-event.type.js';
import { CreateCallInput, PlayAudioInput } from './call.input.js';
import { Call } from './call.type.js';
import type { Context } from './context.type.js';
import { Playback } from './playback.type.js';
import { Permission } from './token-scopes.js';
import { ErrorCode } from './error-codes.js';

const MAX_PAGE = 100;

@Resolver(() => Call)
export class CallResolver {
  @Query(() => Call, { nullable: true, description: 'A call by our id; null when there is none.' })
  call(@Arg('id', () => ID) id: string, @Ctx() { store }: Context): Promise<CallRecord | null> {
    return store.getCall(validCallId(id, 'id'));
  }

  @Query(() => CallConnection, { description: 'Calls, newest first.' })
  async calls(
    @Ctx() { store }: Context,
    @Arg('first', () => Int, { defaultValue: 20, description: `Page size, 1–${MAX_PAGE}.` }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('state', () => CallState, { nullable: true }) state?: CallState | null,
  ): Promise<CallConnection> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw badInput(`first must be between 1 and ${MAX_PAGE}`);
    }
    const rows = await store.listCalls({ first: first + 1, after: after ? decodeCursor(after) : undefined, state: state ?? undefined });
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      nodes: page,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    } as CallConnection;
  }

  @Authorized(Permission.WRITE)
  @Mutation(() => Call, {
    description: 'Places a call. Its id is ours and is stored before Bandwidth is asked; queued audio plays on answer.',
  })
  createCall(@Arg('input', () => CreateCallInput) input: CreateCallInput, @Ctx() { service, caller }: Context): Promise<CallRecord> {
    return service.createCall(
      {
        ...input,
        audio: input.audio ?? undefined,
        callTimeoutSeconds: input.callTimeoutSeconds ?? undefined,
        idempotencyKey: input.idempotencyKey ?? undefined,
      },
      caller,
    );
  }

  @Authorized(Permission.WRITE)
  @Mutation(() => Playback, { description: 'Queues a file on a call (plays now if the call is answered and idle).' })
  playAudio(@Arg('input', () => PlayAudioInput) input: PlayAudioInput, @Ctx() { service, caller }: Context): Promise<PlaybackRecord> {
    return service.playAudio({ ...input, idempotencyKey: input.idempotencyKey ?? undefined }, caller);
  }

  @Authorized(Permission.WRITE)
  @Mutation(() => Call, { description: 'Stops the file that is playing and clears the queue.' })
  stopAudio(@Arg('callId', () => ID) callId: string, @Ctx() { service }: Context): Promise<CallRecord> {
    return service.stopAudio(callId);
  }

  @Authorized(Permission.WRITE)
  @Mutation(() => Call, { description: 'Hangs up (or cancels, before the answer) a call.' })
  hangUpCall(@Arg('callId', () => ID) callId: string, @Ctx() { service }: Context): Promise<CallRecord> {
    return service.hangUpCall(callId);
  }

  @Authorized(Permission.WRITE)
  @Mutation(() => Call, { description: 'Answers a ringing inbound call; its queued audio then plays.' })
  answerCall(@Arg('callId', () => ID) callId: string, @Ctx() { service }: Context): Promise<CallRecord> {
    return service.answerCall(callId);
  }

  @FieldResolver(() => Playback, { nullable: true, description: 'The file playing now.' })
  async nowPlaying(@Root() call: CallRecord, @Ctx() { store }: Context): Promise<PlaybackRecord | null> {
    const playbacks = await playbacksOf(store, call);
    return playbacks.find((p) => p.status === PlaybackStatus.PLAYING) ?? null;
  }

  @FieldResolver(() => [Playback], { description: 'Every file queued on the call, in play order.' })
  playbacks(@Root() call: CallRecord, @Ctx() { store }: Context): Promise<PlaybackRecord[]> {
    return playbacksOf(store, call);
  }

  @FieldResolver(() => [CallEvent], { description: 'The call’s event log, oldest first.' })
  events(
    @Root() call: CallRecord,
    @Ctx() { store }: Context,
    @Arg('afterSequence', () => Int, { defaultValue: 0 }) afterSequence: number,
    @Arg('first', () => Int, { defaultValue: 100, description: `At most ${MAX_PAGE * 10}.` }) first: number,
  ): Promise<CallEventRecord[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE * 10) {
      throw badInput(`first must be between 1 and ${MAX_PAGE * 10}`);
    }
    return store.listEvents(call.id, afterSequence, first);
  }
}

/**
 * A call snapshot's playbacks, read once: `nowPlaying` and `playbacks` of one Call, and every
 * subscriber sent the same committed snapshot, share the read. A snapshot is a new object per
 * change, so the cache never outlives what it describes.
 */
const playbacksBySnapshot = new WeakMap<CallRecord, Promise<PlaybackRecord[]>>();

function playbacksOf(store: CallStore, call: CallRecord): Promise<PlaybackRecord[]> {
  let playbacks = playbacksBySnapshot.get(call);
  if (!playbacks) {
    playbacks = store.listPlaybacks(call.id);
    playbacksBySnapshot.set(call, playbacks);
  }
  return playbacks;
}

function encodeCursor(call: CallRecord): string {
  return Buffer.from(`${call.createdAt.toISOString()}|${call.id}`).toString('base64url');
}

/** Our cursors are base64url of an ISO time and a call id: under 100 characters. */
const MAX_CURSOR_LENGTH = 128;

function decodeCursor(cursor: string): CallCursor {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badInput('after is not a cursor returned by calls');
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  if (!id || Number.isNaN(date.getTime())) throw badInput('after is not a cursor returned by calls');
  return { createdAt: date, id };
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}
