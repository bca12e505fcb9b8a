import { Field, ObjectType } from 'type-graphql';
import { Call } from './call.type.js';

@ObjectType()
class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;
}

@ObjectType()
class CallEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Call)
  node!: Call;
}

@ObjectType({ description: 'A page of calls, newest first.' })
export class CallConnection {
  @Field(() => [CallEdge])
  edges!: CallEdge[];

  @Field(() => [Call], { description: 'The edges’ nodes, for clients that do not need cursors.' })
  nodes!: Call[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
