import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { CallSubscriptionResolver } from './call-subscription.resolver.js';
import { CallResolver } from './call.resolver.js';
import { domainErrors } from './errors.js';
import { tokenScopeAuthChecker } from './token-scopes.js';

/**
 * type-graphql refuses to build a schema that has subscriptions without a `pubSub`, although it
 * only uses it for `@Subscription({ topics })`. Ours each bring their own `subscribe` (over the
 * change bus in the context), so this one is never called, and says so if it ever is.
 */
const NO_TOPICS: PubSub = {
  publish: (topic) => {
    throw new Error(`subscription topics are not used; nothing listens on ${topic}`);
  },
  subscribe: (topic) => {
    throw new Error(`subscription topics are not used; use a subscribe function instead of topic ${topic}`);
  },
};

/** Builds the executable schema from the type-graphql classes. */
export function buildCallSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    pubSub: NO_TOPICS,
    resolvers: [CallResolver, CallSubscriptionResolver],
    globalMiddlewares: [domainErrors],
    // `@Authorized(Permission.WRITE)` fields are refused to read-only tokens.
    authChecker: tokenScopeAuthChecker,
    authMode: 'error',
    validate: false,
  });
}

/** The SDL committed as `schema.graphql`, sorted so it diffs cleanly. */
export function printCallSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
