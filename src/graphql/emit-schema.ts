import { writeFile } from 'node:fs/promises';
import { buildCallSchema, printCallSchema } from './schema.js';

/** `npm run schema`: rewrites schema.graphql from the code. */
const target = new URL('../../../schema.graphql', import.meta.url);
await writeFile(target, printCallSchema(await buildCallSchema()));
console.log(`wrote ${target.pathname}`);
