import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '../graphql/context.type.js';
import { ErrorCode } from '../graphql/error-codes.js';

export interface MutationRateLimitOptions {
  /** Mutations each caller may run per minute; 0 turns the limit off. */
  perMinute: number;
  /**
   * Where the counts are kept. In memory by default, which is right for one instance; several
   * instances need a shared store (rate-limiter-flexible's `RateLimiterRedis` or
   * `RateLimiterPostgres`, with `points: perMinute, duration: 60`), or each would grant the full
   * allowance and a client could multiply it by the number of instances.
   */
  limiter?: RateLimiterAbstract;
}

/**
 * Mutations per minute per API token; callers of an open API (simulator mode) share one
 * allowance per remote address. Every mutation field counts, so aliasing ten `createCall`s into
 * one document uses ten. Queries and subscriptions are not counted.
 */
export class MutationRateLimit {
  private readonly limiter: RateLimiterAbstract | undefined;

  constructor(private readonly options: MutationRateLimitOptions) {
    this.limiter =
      options.perMinute > 0 ? (options.limiter ?? new RateLimiterMemory({ keyPrefix: 'mutations', points: options.perMinute, duration: 60 })) : undefined;
  }

  /**
   * Counts the operation's mutations against the caller's allowance. Returns the `RATE_LIMITED`
   * error to answer with once the allowance is used up, undefined otherwise.
   */
  async consume(caller: Caller, document: DocumentNode, operation: OperationDefinitionNode): Promise<GraphQLError | undefined> {
    if (!this.limiter || operation.operation !== 'mutation') return undefined;
    const mutations = Math.max(1, countRootFields(operation.selectionSet, fragmentsOf(document), new Set()));
    try {
      await this.limiter.consume(bucketOf(caller), mutations);
      return undefined;
    } catch (rejection) {
      // Anything but a RateLimiterRes is the store failing, which must not pass for a refusal.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterMs = Math.max(1, Math.ceil(rejection.msBeforeNext));
      return new GraphQLError(
        `Too many mutations: at most ${this.options.perMinute} a minute are allowed; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        { extensions: { code: ErrorCode.RATE_LIMITED, retryAfterMs } },
      );
    }
  }
}

function bucketOf(caller: Caller): string {
  return caller.tokenId === null ? `address:${caller.address}` : `token:${caller.tokenId}`;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** Fields of the root selection, through fragments; `@skip`/`@include` are ignored, so this is the most that can run. */
function countRootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(selection.selectionSet, fragments, seen);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        count += countRootFields(fragment.selectionSet, fragments, seen);
      }
    }
  }
  return count;
}
