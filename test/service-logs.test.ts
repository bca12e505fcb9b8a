import { afterEach, expect, it } from '@jest/globals';
import { BACKEND, storageEnv } from './support/backend.js';
import { freePort } from './support/free-port.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';
import { spawnService } from './support/service-process.js';
import { disposeAll, postGraphQL, type Env } from './support/test-service.js';

afterEach(disposeAll);

/** The service as `npm start` runs it with the built-in simulator, on this setup's storage. */
async function serviceEnv(extra: Env): Promise<Env> {
  return { PORT: String(await freePort()), SIMULATOR_PORT: String(await freePort()), ...storageEnv(), ...extra };
}

/** A GraphQL request answered; its log lines, if any, are written by the time the process has exited. */
async function askSomething(url: string): Promise<void> {
  const { data } = await postGraphQL<{ __typename: string }>(url, '{ __typename }');
  expect(data).toEqual({ __typename: 'Query' });
}

forEachSetup('service logs', ABOVE_BANDWIDTH, () => {
  it('on a terminal are one readable line each, and a banner names every URL and what the service runs on', async () => {
    const env = await serviceEnv({ LOG_FORMAT: 'pretty' });
    const service = await spawnService(env, { readyLine: 'Ready.' });
    const output = service.output();
    expect(output).toContain(`GraphQL     ${service.url}/graphql`);
    expect(output).toContain(`Explorer    ${service.url}/graphql (open it in a browser)`);
    expect(output).toContain(`Console     ${service.url}/console/`);
    expect(output).toContain(`Metrics     ${service.url}/metrics`);
    expect(output).toContain(`Simulator   http://127.0.0.1:${env.SIMULATOR_PORT}`);
    expect(output).toContain('Bandwidth   built-in simulator, v1 API');
    expect(output).toMatch(BACKEND === 'sqlite' ? /Database {4}SQLite, \S+calls\.sqlite/ : /Database {4}PostgreSQL, 127\.0\.0\.1:5432\/test, schema /);
    expect(output).toContain(BACKEND === 'sqlite' ? 'Changes     in-process' : 'Changes     Redis, redis://127.0.0.1:6379');
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(lines.filter((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR|FATAL|DEBUG):/.test(line)).length).toBeGreaterThanOrEqual(3);

    await askSomething(service.url);
    expect((await service.kill('SIGTERM')).code).toBe(0);
    expect(service.output()).toContain('INFO: shutting down');
    expect(service.output()).not.toMatch(/request completed|incoming request/);
  });

  it('elsewhere are JSON lines, the listening line carries the same description, and requests are logged only at debug', async () => {
    const quiet = await spawnService(await serviceEnv({}));
    const entries = (): Array<Record<string, unknown>> => quiet.output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const listening = entries().find((entry) => entry.msg === 'listening')!;
    expect(listening).toMatchObject({
      graphql: `${quiet.url}/graphql`,
      metrics: `${quiet.url}/metrics`,
      bandwidth: 'built-in simulator, v1 API',
      database: expect.stringMatching(BACKEND === 'sqlite' ? /^SQLite, / : /^PostgreSQL, /),
    });
    expect(JSON.stringify(listening)).not.toMatch(/password|secret/i);
    await askSomething(quiet.url);
    await quiet.kill('SIGTERM');
    expect(entries().some((entry) => entry.msg === 'shutting down')).toBe(true);
    expect(entries().filter((entry) => entry.msg === 'request completed' || entry.msg === 'incoming request')).toEqual([]);

    const verbose = await spawnService(await serviceEnv({ LOG_LEVEL: 'debug' }));
    await askSomething(verbose.url);
    await verbose.kill('SIGTERM');
    const lines = verbose.output().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    const completed = lines.filter((entry) => entry.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(1);
    expect(completed.every((entry) => entry.level === 20)).toBe(true);
  });
});
