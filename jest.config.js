/**
 * Tests are compiled by `tsc` with the rest of the project (type-graphql needs the decorator
 * metadata only tsc emits) and jest runs the emitted ES modules as they are.
 *
 * Which backends and Bandwidth APIs a suite runs on is said in the suite itself, with
 * `forEachSetup` (test/support/matrix.ts): a suite that starts the service runs on SQLite and on
 * PostgreSQL with Redis, against Bandwidth v1 and v2, unless it says otherwise. Tests of the call
 * domain (in-memory doubles), the Bandwidth adapter, the configuration and the schema file start
 * no service and run once.
 *
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 30000,
  globalSetup: '<rootDir>/dist/test/support/test-schemas-setup.js',
  globalTeardown: '<rootDir>/dist/test/support/test-schemas-teardown.js',
  // Three workers on this project's two cores: the tests wait on timers, sockets and the databases
  // much of the time, and a third fills those gaps (whole suite 274 s with two, 235 s with three).
  maxWorkers: 3,
  reporters: ['default', '<rootDir>/dist/test/support/totals-reporter.js'],
};
