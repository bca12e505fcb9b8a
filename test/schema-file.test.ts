import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { buildCallSchema, printCallSchema } from '../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema` after changing a type)', async () => {
    const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printCallSchema(await buildCallSchema()));
  });
});
