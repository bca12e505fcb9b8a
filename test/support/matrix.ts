import { beforeAll, describe, it } from '@jest/globals';
import { useBackend, type Backend } from './backend.js';
import { useBandwidthApi, type BandwidthApi } from './bandwidth-api.js';

/** One cell of the matrix: the storage the service runs on and the Bandwidth API it talks to. */
export interface Setup {
  backend: Backend;
  api: BandwidthApi;
}

const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];
const APIS: readonly BandwidthApi[] = ['v1', 'v2'];

/**
 * Where a suite runs when it does not run everywhere. Say why next to it: a suite narrows the
 * matrix only for what cannot differ (a GraphQL-only concern on one API) or cannot happen
 * (several instances need PostgreSQL and Redis).
 */
export interface SetupFilter {
  /** @default every backend: SQLite (in-process bus) and PostgreSQL with Redis */
  backends?: readonly Backend[];
  /** @default every API: Bandwidth v1 and v2 (the simulator's) */
  apis?: readonly BandwidthApi[];
}

/**
 * For suites of what lies above the Bandwidth adapter (GraphQL, tokens, limits, metrics, the
 * event feed): which API sits below cannot change what they prove, so they run on v1 only, on
 * both backends.
 */
export const ABOVE_BANDWIDTH: SetupFilter = { apis: ['v1'] };

/**
 * Runs a suite once per backend and Bandwidth API, each as its own `describe` named after its
 * setup: a suite that starts the service runs everywhere unless it says otherwise. The tests read
 * the setup through `BACKEND`, `BANDWIDTH_API` and the helpers of `bandwidth-api.ts`, both as they
 * are registered (`onV1Only`) and as they run.
 *
 * `TEST_BACKENDS` and `TEST_BANDWIDTH_APIS` (comma-separated) narrow a run to part of the matrix,
 * as `npm run test:quick` does; unset, every setup runs.
 */
export function forEachSetup(name: string, body: (setup: Setup) => void): void;
export function forEachSetup(name: string, filter: SetupFilter, body: (setup: Setup) => void): void;
export function forEachSetup(name: string, ...args: [(setup: Setup) => void] | [SetupFilter, (setup: Setup) => void]): void {
  const [filter, body] = args.length === 1 ? [{}, args[0]] : args;
  const setups = matrix(filter);
  if (setups.length === 0) {
    it.skip(`${name}: none of its setups is in this run (TEST_BACKENDS, TEST_BANDWIDTH_APIS)`, () => undefined);
    return;
  }
  for (const setup of setups) {
    describe(`${name} [${setup.backend}, Bandwidth ${setup.api}]`, () => {
      use(setup);
      beforeAll(() => use(setup));
      body(setup);
    });
  }
}

function matrix(filter: SetupFilter): Setup[] {
  const backends = chosen('TEST_BACKENDS', filter.backends ?? BACKENDS);
  const apis = chosen('TEST_BANDWIDTH_APIS', filter.apis ?? APIS);
  return apis.flatMap((api) => backends.map((backend) => ({ backend, api })));
}

function chosen<T extends string>(variable: string, wanted: readonly T[]): T[] {
  const only = process.env[variable]?.split(',').map((value) => value.trim()).filter(Boolean);
  return only ? wanted.filter((value) => only.includes(value)) : [...wanted];
}

function use(setup: Setup): void {
  useBackend(setup.backend);
  useBandwidthApi(setup.api);
}
