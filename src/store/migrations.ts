import { Migrator, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Schema migrations, applied in name order at start-up. Never edit one that has shipped: add the
 * next instead. One set serves both dialects; the few column definitions that differ go through
 * the helpers below.
 */
function migrationsFor(dialect: SqlDialectName): Record<string, Migration> {
  /** A generated row id: SQLite's autoincrement, PostgreSQL's identity column. */
  const rowId = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement();
  const rowIdType = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
  '0001_calls_playbacks_events': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider_call_id', 'text', (c) => c.unique())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('from_number', 'text', (c) => c.notNull())
        .addColumn('to_number', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('end_reason', 'text')
        .addColumn('hangup_cause', 'text')
        .addColumn('call_timeout_seconds', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('answered_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('last_sequence', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('calls_newest_first').on('calls').columns(['created_at desc', 'id desc']).execute();
      await db.schema.createIndex('calls_by_state').on('calls').columns(['state', 'created_at desc']).execute();

      await db.schema
        .createTable('playbacks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('file_url', 'text', (c) => c.notNull())
        .addColumn('loop', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('queued_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('playbacks_by_call').on('playbacks').columns(['call_id', 'position']).execute();

      await db.schema
        .createTable('call_events')
        .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('applied', 'integer', (c) => c.notNull())
        .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('dedupe_key', 'text')
        .addPrimaryKeyConstraint('call_events_pk', ['call_id', 'sequence'])
        .addUniqueConstraint('call_events_dedupe', ['call_id', 'dedupe_key'])
        .execute();

      await db.schema
        .createTable('unmatched_events')
        .addColumn('id', rowIdType, rowId)
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('provider_call_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_outbox_idempotency_keys': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('outbox')
        .addColumn('id', rowIdType, rowId)
        .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('effect', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('outbox_pending').on('outbox').columns(['status', 'id']).execute();
      await db.schema.createIndex('outbox_by_call').on('outbox').columns(['call_id', 'kind', 'status']).execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('result_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'operation', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_by_age').on('idempotency_keys').column('created_at').execute();
      await db.schema.createIndex('calls_silent').on('calls').columns(['updated_at']).execute();
    },
  },
  '0003_outbox_leases': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Which instance sends an outbox entry, and until when; another instance takes over an
      // entry whose lease ran out (its instance died).
      await db.schema.alterTable('outbox').addColumn('locked_by', 'text').execute();
      await db.schema.alterTable('outbox').addColumn('locked_until', 'text').execute();
    },
  },
  };
}

/** Brings the schema up to date; fails loudly (and changes nothing more) if a migration fails. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: SqlDialectName = 'sqlite',
  /** PostgreSQL schema holding the tables; the migrator's own bookkeeping goes there too. */
  schema?: string,
): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
