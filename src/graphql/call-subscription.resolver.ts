import { GraphQLError } from 'graphql';
import { Arg, ID, Int, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { CallEventRecord, CallRecord } from '../calls/call.js';
import { CallEvent } from './call-event.type.js';
import { callUpdateStream } from './call-streams.js';
import { Call } from './call.type.js';
import type { Context } from './context.type.js';
import { asGraphQLError } from './errors.js';
import { validCallId } from '../calls/command-input.js';
import { ErrorCode } from './error-codes.js';

interface CallEventsArgs {
  callId: string;
  afterSequence?: number | null;
}

@Resolver()
export class CallSubscriptionResolver {
  @Subscription(() => Call, {
    description: 'A call’s state each time it changes (every call when callId is omitted). With a callId the current state comes first.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { callId?: string | null }, Context>) => {
      if (args.callId) await requireCall(context, args.callId);
      return callUpdateStream(context.store, context.bus, args.callId ?? null);
    },
  })
  callUpdated(
    @Root() call: CallRecord,
    @Arg('callId', () => ID, { nullable: true }) _callId?: string | null,
  ): CallRecord {
    return call;
  }

  @Subscription(() => CallEvent, {
    description:
      'A call’s event log after afterSequence (from the start when omitted), then each event as it is recorded: no gap, no duplicate.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, CallEventsArgs, Context>) => {
      const afterSequence = args.afterSequence ?? 0;
      if (!Number.isInteger(afterSequence) || afterSequence < 0) {
        throw new GraphQLError('afterSequence must be 0 or more', { extensions: { code: ErrorCode.BAD_USER_INPUT } });
      }
      await requireCall(context, args.callId);
      return context.eventFeeds.stream(args.callId, afterSequence);
    },
  })
  callEvents(
    @Root() event: CallEventRecord,
    @Arg('callId', () => ID) _callId: string,
    @Arg('afterSequence', () => Int, { nullable: true }) _afterSequence?: number | null,
  ): CallEventRecord {
    return event;
  }
}

async function requireCall(context: Context, callId: string): Promise<void> {
  try {
    validCallId(callId);
  } catch (error) {
    throw asGraphQLError(error);
  }
  if (!(await context.store.getCall(callId))) {
    throw new GraphQLError(`No call with id ${callId}`, { extensions: { code: ErrorCode.NOT_FOUND, callId } });
  }
}
