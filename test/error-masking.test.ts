import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, GET_CALL } from './support/documents.js';
import { disposeAll, startTestService } from './support/test-service.js';
import { wsExecute } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const CALLS = '{ calls { nodes { id } } }';

/** What a stack trace, a file path or SQLite's own words would look like in a response. */
const LEAKS = /stacktrace|\bat \S+ \(|\.js:\d+|\/work\/|node_modules|sqlite|database|connection/i;

forEachSetup('error masking', ABOVE_BANDWIDTH, () => {
  it('answers an internal failure with a generic message and code, and no stack, on both transports', async () => {
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const service = await startTestService({ LOG_LEVEL: 'error' }, { logStream: logs });
    const client = service.ws();
    expect(await wsExecute(client, CALLS)).toEqual({ data: { calls: { nodes: [] } } });

    // The store going away under a running server is as unexpected as failures get.
    await service.server.store.close();

    const answers = [
      await service.gql(CALLS),
      await service.gql(GET_CALL, { id: 'call_x' }),
      await service.gql(CREATE_CALL, { input: { from: FROM, to: ANSWERS } }),
      await wsExecute(client, CALLS),
      await wsExecute(client, 'subscription($id: ID!) { callEvents(callId: $id) { sequence } }', { id: 'call_x' }),
    ];
    for (const answer of answers) {
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(Object.keys(answer.errors![0]!.extensions!)).toEqual(['code']);
      expect(JSON.stringify(answer)).not.toMatch(LEAKS);
    }
    // The server still answers, and its own log has what the clients were not told.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const lines = logged.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; path: string[]; err: { message: string; stack: string } });
    const failures = lines.filter((line) => line.msg === 'GraphQL operation failed unexpectedly');
    expect(failures.map((line) => line.path[0])).toEqual(['calls', 'call', 'createCall', 'calls', 'callEvents']);
    for (const failure of failures) expect(failure.err.stack).toContain(failure.err.message);
  });
});
