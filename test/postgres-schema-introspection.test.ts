import { afterEach, describe, expect, it } from '@jest/globals';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { SchemaScopedIntrospector } from '../src/store/schema-scoped-introspector.js';
import { TEST_DATABASE_URL, freshTestSchema } from './support/backend.js';
import { disposeAll, onDispose } from './support/test-service.js';

afterEach(disposeAll);

/** The introspection the PostgreSQL store's migrator runs on every start sees the store's schema and nothing else. */
describe('the PostgreSQL store schema introspection', () => {
  it("lists its own schema's tables, with Kysely's only when asked, and none of another schema's", async () => {
    const [mine, other] = [freshTestSchema(), freshTestSchema()];
    for (const schema of [mine, other]) {
      const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
      await store.close();
    }
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }) }) });
    onDispose(() => db.destroy());
    await db.schema.createTable(`${other}.only_there`).addColumn('id', 'integer').execute();
    const introspector = new SchemaScopedIntrospector(db, mine);

    const tables = await introspector.getTables();
    expect(tables.map((t) => t.name).sort()).toEqual(expect.arrayContaining(['calls', 'call_events', 'outbox', 'playbacks']));
    expect(tables.every((t) => t.schema === mine && !t.name.startsWith('kysely_'))).toBe(true);
    expect(tables.some((t) => t.name === 'only_there')).toBe(false);
    const internal = (await introspector.getTables({ withInternalKyselyTables: true })).map((t) => t.name);
    expect(internal).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock']));
    expect(await introspector.getSchemas()).toEqual([{ name: mine }]);
    expect(await new SchemaScopedIntrospector(db, freshTestSchema()).getSchemas()).toEqual([]);
  });

  it('opens a migrated schema again, and its data is there', async () => {
    const schema = freshTestSchema();
    const first = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
    await first.transaction((tx) => tx.insertIdempotencyKey('token:a', 'createCall', 'k', { requestHash: 'h', resultId: 'call_a' }, new Date()));
    await first.close();
    const again = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
    onDispose(() => again.close());
    expect(await again.transaction((tx) => tx.findIdempotencyKey('token:a', 'createCall', 'k'))).toEqual({ requestHash: 'h', resultId: 'call_a' });
  });
});
