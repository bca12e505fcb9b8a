import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../src/graphql/error-codes.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The codes the README's error table lists: the first column of the table after "Errors carry a stable `extensions.code`". */
function documentedCodes(): string[] {
  const section = README.slice(README.indexOf('Errors carry a stable `extensions.code`'));
  const table = section.slice(section.indexOf('| Code |'), section.indexOf('\n\n', section.indexOf('| Code |')));
  return table
    .split('\n')
    .slice(2)
    .flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map(([, code]) => code!));
}

describe('the error codes', () => {
  it('are the ones the README documents, both ways', () => {
    const documented = documentedCodes();
    expect(documented.length).toBeGreaterThan(10);
    expect([...new Set(documented)].sort()).toEqual([...new Set(Object.values(ErrorCode))].sort());
  });
});
