/**
 * Tests are compiled by `tsc` with the rest of the project (type-graphql needs the decorator
 * metadata only tsc emits) and jest runs the emitted ES modules as they are.
 *
 * Two projects run the suite on both backends: the embedded default (SQLite, in-process bus) and
 * the scale-out one (PostgreSQL and Redis); two more run the call-flow, fault and multi-instance
 * suites again against Bandwidth's v2 API. Tests of the call domain (in-memory doubles), the
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

/**
 * The suites that prove the call flow, its faults and several instances run on Bandwidth's v2 API
 * too (the simulator's), on both backends: the same tests, with what differs between the APIs
 * (ids, cause words, how audio is asked for) in test/support/bandwidth-api.ts.
 */
const onBothApis = [
  'outbound-call-flow',
  'inbound-call',
  'audio-control',
  'call-outcomes',
  'playback-failures',
  'idempotency-keys',
  'call-events-resume',
  'silent-call-reconciliation',
  'create-call-reconciliation',
  'crash-recovery',
  'restart',
  'graceful-shutdown',
  'webhook-delivery-faults',
  'multi-instance',
  'secrets-in-logs',
  'call-console',
];
const v2Match = onBothApis.map((name) => `**/dist/test/${name}.test.js`);

export default {
  testTimeout: 30000,
  globalSetup: '<rootDir>/dist/test/support/test-schemas-setup.js',
  globalTeardown: '<rootDir>/dist/test/support/test-schemas-teardown.js',
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/dist/test/support/totals-reporter.js'],
  projects: [
    { ...common, displayName: 'sqlite', setupFiles: ['<rootDir>/dist/test/support/use-sqlite.js', '<rootDir>/dist/test/support/use-bandwidth-v1.js'] },
    {
      ...common,
      displayName: 'postgres',
      setupFiles: ['<rootDir>/dist/test/support/use-postgres.js', '<rootDir>/dist/test/support/use-bandwidth-v1.js'],
      testPathIgnorePatterns: ['/node_modules/', ...backendIndependent],
    },
    {
      ...common,
      displayName: 'sqlite-v2',
      testMatch: v2Match,
      setupFiles: ['<rootDir>/dist/test/support/use-sqlite.js', '<rootDir>/dist/test/support/use-bandwidth-v2.js'],
    },
    {
      ...common,
      displayName: 'postgres-v2',
      testMatch: v2Match,
      setupFiles: ['<rootDir>/dist/test/support/use-postgres.js', '<rootDir>/dist/test/support/use-bandwidth-v2.js'],
      testPathIgnorePatterns: ['/node_modules/', ...backendIndependent],
    },
  ],
};
