import { describe, expect, it } from '@jest/globals';
import { InMemoryCallStore } from '../support/in-memory-call-store.js';

/**
 * The in-memory double keeps the contract of the SQL stores (call-store-contract.test.ts proves it
 * on all three); what is its own is how it isolates transactions: one at a time.
 */
describe('the in-memory call store', () => {
  it('runs one transaction at a time', async () => {
    const store = new InMemoryCallStore();
    const order: string[] = [];
    let release!: () => void;
    const first = store.transaction(async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first ends');
    });
    const second = store.transaction(async () => void order.push('second runs'));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, second]);

    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
  });
});
