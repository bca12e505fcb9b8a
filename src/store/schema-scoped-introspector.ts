import { sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/** The tables Kysely's migrator keeps its own bookkeeping in (`kysely_migration`, `kysely_migration_lock`). */
const KYSELY_TABLE = /^kysely_/;

/**
 * What Kysely's migrator asks of the database about our schema, answered from that schema alone.
 * Kysely's own PostgreSQL introspector reads every column of every table in the database, and the
 * migrator runs it twice on every start only to see whether its two tables exist: a start that
 * grows with every other schema in the database (a third of a second with a few hundred test
 * schemas, minutes with thousands of tenants' tables; kysely-org/kysely#1707). The store looks at
 * nothing outside its schema, so this reads the names of that schema's tables and no columns.
 */
export class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db);
    return rows;
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${this.schema} and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return rows
      .filter((row) => options.withInternalKyselyTables || !KYSELY_TABLE.test(row.name))
      .map((row) => ({ name: row.name, schema: this.schema, isView: row.kind === 'v', columns: [] }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
