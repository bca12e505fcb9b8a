import { afterEach, expect, it } from '@jest/globals';
import pg from 'pg';
import { TEST_DATABASE_URL } from './support/backend.js';
import { CREATE_CALL, FROM, ANSWERS, type CallView } from './support/documents.js';
import { forEachSetup } from './support/matrix.js';
import { disposeAll, onDispose, startTestService } from './support/test-service.js';

afterEach(disposeAll);

forEachSetup('DATABASE_POOL_SIZE', { backends: ['postgres'], apis: ['v1'] }, () => {
  it('bounds the connections one instance holds, however many requests arrive at once', async () => {
    const service = await startTestService({ DATABASE_POOL_SIZE: '2' });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    onDispose(() => admin.end());
    const connections = async (): Promise<number> =>
      Number(
        (
          await admin.query<{ count: string }>('select count(*) as count from pg_stat_activity where application_name = $1', [
            `catapult-voice:${service.env.DATABASE_SCHEMA}`,
          ])
        ).rows[0]!.count,
      );

    let most = 0;
    let creating = true;
    const watching = (async () => {
      while (creating) {
        most = Math.max(most, await connections());
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS, idempotencyKey: `pool-${i}` } })),
    );
    creating = false;
    await watching;
    expect(results.filter((result) => result.errors === undefined)).toHaveLength(30);
    expect(most).toBeGreaterThanOrEqual(1);
    expect(await connections()).toBeLessThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(2);
  });
});
