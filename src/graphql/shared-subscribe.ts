import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Executed = ExecutionResult | Promise<ExecutionResult>;

/**
 * What makes two subscriptions' executions interchangeable: the same document (by identity, so
 * documents must come from a cache keyed by their text), operation, variables and whatever part
 * of the context resolvers may read. Computed once per subscription, not per event.
 */
type ExecutionKey = (args: ExecutionArgs) => string;

/**
 * A drop-in for graphql-js's `subscribe` that executes a subscription's document once per event
 * for every subscriber that asked the same thing, and hands them all the same result.
 *
 * graphql-js runs the selection set again for each subscriber, although 1,000 viewers of one call
 * sent the same document for the same event get the same answer; measured, that repeated
 * execution was most of the cost of fanning an event out. Results are kept per event object
 * (the source streams hand the same object to every subscriber: one feed per call) and dropped
 * with it by the garbage collector.
 *
 * This holds as long as what resolvers below a subscription field return depends only on the
 * event, the arguments and what `key` covers — here the caller's scope — and never on who the
 * individual subscriber is. The results are shared: whoever gets one must not change it.
 */
export function sharedSubscribe(key: ExecutionKey): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const results = new WeakMap<object, Map<string, Executed>>();
  const executeFor = (args: ExecutionArgs, subscription: string, event: unknown): Executed => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byKey = results.get(event);
    if (!byKey) results.set(event, (byKey = new Map()));
    let result = byKey.get(subscription);
    if (result === undefined) {
      result = execute({ ...args, rootValue: event });
      byKey.set(subscription, result);
    }
    return result;
  };

  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const subscription = key(args);
    return mapAsyncIterator(source, (event) => executeFor(args, subscription, event));
  };
}

/** Numbers documents by identity, for {@link ExecutionKey}s. */
export function documentIds(): (document: DocumentNode) => number {
  const ids = new WeakMap<DocumentNode, number>();
  let next = 0;
  return (document) => {
    let id = ids.get(document);
    if (id === undefined) ids.set(document, (id = ++next));
    return id;
  };
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` make one key. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** The source's values mapped through `map`; ending it (return/throw) ends the source. */
function mapAsyncIterator<T>(source: AsyncIterable<unknown>, map: (value: unknown) => T | Promise<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  const step = async (result: IteratorResult<unknown>): Promise<IteratorResult<T>> => {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await map(result.value), done: false };
    } catch (error) {
      await close().catch(() => undefined);
      throw error;
    }
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      return step(await iterator.next());
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
  };
}
