/**
 * Tests are compiled by `tsc` with the rest of the project (type-graphql needs the decorator
 * metadata only tsc emits) and jest runs the emitted ES modules as they are.
 *
 * Two projects run the suite on both backends: the embedded default (SQLite, in-process bus) and
 * the scale-out one (PostgreSQL and Redis). Tests of the call domain (in-memory doubles), the
 * Bandwidth adapter, the configuration and the schema file do not touch storage and run once.
 *
 * @type {import('jest').Config}
 */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
};

const backendIndependent = ['<rootDir>/dist/test/domain/', 'bandwidth-', 'group-commit\\.test', 'demo\\.test', 'graphql-explorer\\.test', 'call-console\\.test', 'console-types\\.test', 'config\\.test', 'schema-file\\.test', 'redis-change-bus\\.test', 'multi-instance\\.test'];

export default {
  testTimeout: 30000,
  globalSetup: '<rootDir>/dist/test/support/test-schemas-setup.js',
  globalTeardown: '<rootDir>/dist/test/support/test-schemas-teardown.js',
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/dist/test/support/totals-reporter.js'],
  projects: [
    { ...common, displayName: 'sqlite', setupFiles: ['<rootDir>/dist/test/support/use-sqlite.js'] },
    {
      ...common,
      displayName: 'postgres',
      setupFiles: ['<rootDir>/dist/test/support/use-postgres.js'],
      testPathIgnorePatterns: ['/node_modules/', ...backendIndependent],
    },
  ],
};
