/**
 * Tests are compiled by `tsc` with the rest of the project (type-graphql needs the decorator
 * metadata only tsc emits) and jest runs the emitted ES modules as they are.
 *
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/dist/test/support/totals-reporter.js'],
};
