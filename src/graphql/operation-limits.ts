import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from './error-codes.js';

/**
 * How big and how expensive one GraphQL operation may be. The same limits hold over HTTP and over
 * WebSocket, so a client cannot get around them by switching transport.
 */
export interface OperationLimits {
  /**
   * Bytes of the document (the `query` text). Checked before anything reads the document, so an
   * oversized one costs nothing but the bytes received. Default 20 KiB, far above any document a
   * client of this API writes.
   */
  maxDocumentBytes: number;
  /**
   * Lexical tokens in the document, counted before it is parsed: parsing and validating are
   * paid for per token, and a small document can hold many. Default 1000.
   */
  maxTokens: number;
  /**
   * Nesting of selections, fragments included (each fragment counts as a level, so a chain of
   * fragments cannot hide depth). Default 10; the schema itself nests about 5 deep today.
   */
  maxDepth: number;
  /**
   * Aliased fields: aliases let one document ask for the same expensive field many times. Default 15.
   */
  maxAliases: number;
  /**
   * Estimated cost: every field costs 1 (an event's `payload`, a whole document, 5), and a field
   * with a `first` argument costs its selection times `first` (the page it can return). Default
   * 20 000, which admits 20 calls with 100 events each, payloads included, and refuses 100 calls
   * with their 100 events' payloads.
   */
  maxCost: number;
}

export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxDocumentBytes: 20 * 1024,
  maxTokens: 1000,
  maxDepth: 10,
  maxAliases: 15,
  maxCost: 20_000,
});


/**
 * The checks that run on the document's text, before it is parsed: size, then tokens. Returns the
 * refusal, or undefined when the text may be parsed.
 */
export function checkDocumentText(query: string, limits: OperationLimits): GraphQLError | undefined {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    return refusal(
      ErrorCode.DOCUMENT_TOO_LARGE,
      `The GraphQL document is ${bytes} bytes long; the limit is ${limits.maxDocumentBytes}`,
      { limit: limits.maxDocumentBytes, found: bytes },
    );
  }
  if (countTokens(query, limits.maxTokens + 1) > limits.maxTokens) {
    return refusal(ErrorCode.TOO_MANY_TOKENS, `The GraphQL document has more than ${limits.maxTokens} tokens`, {
      limit: limits.maxTokens,
    });
  }
  return undefined;
}

interface OperationToCheck {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The operation that will run (a document may hold several). */
  operation: OperationDefinitionNode;
  variables?: Readonly<Record<string, unknown>> | null;
}

/**
 * The checks that need the parsed and validated document: depth, aliases, then cost. Only the
 * operation that will run is measured, with the fragments it may use.
 */
export function checkOperation(target: OperationToCheck, limits: OperationLimits): GraphQLError | undefined {
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [target.operation, ...target.document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)],
  };

  const depth = armorRejection(target.schema, document, (onReject) =>
    maxDepthRule({ n: limits.maxDepth, onReject, propagateOnRejection: false }),
  );
  if (depth) {
    return refusal(ErrorCode.QUERY_TOO_DEEP, `The operation is nested more than ${limits.maxDepth} levels deep`, {
      limit: limits.maxDepth,
      ...found(depth),
    });
  }

  const aliases = armorRejection(target.schema, document, (onReject) =>
    maxAliasesRule({ n: limits.maxAliases, onReject, propagateOnRejection: false }),
  );
  if (aliases) {
    return refusal(ErrorCode.TOO_MANY_ALIASES, `The operation uses more than ${limits.maxAliases} aliases`, {
      limit: limits.maxAliases,
      ...found(aliases),
    });
  }

  // Variables that do not fit their types make execution refuse the operation anyway, with a
  // message that says what is wrong; the cost of an operation that never runs does not matter.
  const variables = getVariableValues(target.schema, target.operation.variableDefinitions ?? [], { ...target.variables });
  if (variables.errors) return undefined;
  let cost: number;
  try {
    cost = getComplexity({ schema: target.schema, query: document, variables: variables.coerced, estimators: COST_ESTIMATORS });
  } catch (error) {
    // The estimator throws a GraphQLError only when the document expands past its node budget:
    // too costly even to measure. Anything else is a bug, not a verdict on the operation.
    if (!(error instanceof GraphQLError)) throw error;
    cost = Number.POSITIVE_INFINITY;
  }
  if (cost > limits.maxCost) {
    return refusal(ErrorCode.QUERY_TOO_COMPLEX, `The operation's estimated cost exceeds the limit of ${limits.maxCost}`, {
      limit: limits.maxCost,
      ...(Number.isFinite(cost) ? { found: cost } : {}),
    });
  }
  return undefined;
}

/**
 * A field with a `first` argument returns up to `first` items, each costing what its selection
 * costs. Fields that declare their own `complexity` (type-graphql's field option) are priced by
 * that instead, and every other field costs 1.
 */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) =>
  typeof args.first === 'number' ? 1 + Math.max(1, args.first) * childComplexity : undefined;

const COST_ESTIMATORS: ComplexityEstimator[] = [fieldExtensionsEstimator(), pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })];

type ArmorRejectHandler = (context: ValidationContext | null, error: GraphQLError) => void;

/** Runs one graphql-armor rule and returns its refusal message, if it refused. */
function armorRejection(
  schema: GraphQLSchema,
  document: DocumentNode,
  rule: (onReject: ArmorRejectHandler[]) => (context: ValidationContext) => object,
): string | undefined {
  let message: string | undefined;
  const onReject: ArmorRejectHandler[] = [(_context, error) => (message ??= error.message)];
  validate(schema, document, [rule(onReject) as never]);
  return message;
}

/** graphql-armor says how far over the limit the operation went ("…, found 12."); keep that number. */
function found(message: string): { found?: number } {
  const match = /found (\d+)/.exec(message);
  return match ? { found: Number(match[1]) } : {};
}

function countTokens(query: string, stopAt: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (count < stopAt && lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // A lexical error is the parser's to report, with its position; the count so far stands.
  }
  return count;
}

function refusal(code: string, message: string, details: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}
