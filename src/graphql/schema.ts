import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CallSubscriptionResolver } from './call-subscription.resolver.js';
import { CallResolver } from './call.resolver.js';
import { domainErrors } from './errors.js';
import { InProcessCallChangeBus, toTypeGraphQLPubSub, type CallChangeBus } from './pubsub.js';
import { tokenScopeAuthChecker } from './token-scopes.js';

/** Builds the executable schema from the type-graphql classes. */
export function buildCallSchema(bus: CallChangeBus = new InProcessCallChangeBus()): Promise<GraphQLSchema> {
  return buildSchema({
    pubSub: toTypeGraphQLPubSub(bus),
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
