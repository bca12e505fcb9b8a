import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';

/** Distinct valid documents kept; clients send a handful each, so this bounds only abuse. */
const DEFAULT_CAPACITY = 1000;

type ParsedDocument = { document: DocumentNode } | { errors: readonly GraphQLError[]; stage: 'parse' | 'validate' };

/**
 * Parses and validates documents, keeping each valid one by its text (as Apollo's document store
 * does over HTTP). A thousand subscribers of one dashboard send one document: it is parsed and
 * validated once, and they all get the same `DocumentNode`, which is what lets their executions
 * be shared (see `shared-subscribe.ts`). Invalid documents are not kept.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly options: { maxTokens: number; capacity?: number },
  ) {}

  get(text: string): ParsedDocument {
    const cached = this.documents.get(text);
    if (cached) return { document: cached };
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: this.options.maxTokens });
    } catch (error) {
      return { errors: [error as GraphQLError], stage: 'parse' };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length > 0) return { errors, stage: 'validate' };
    if (this.documents.size >= (this.options.capacity ?? DEFAULT_CAPACITY)) {
      this.documents.delete(this.documents.keys().next().value!);
    }
    this.documents.set(text, document);
    return { document };
  }
}
