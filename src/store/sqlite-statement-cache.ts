import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/** Distinct statements kept prepared; the service issues a few dozen shapes, so this is never reached in practice. */
const DEFAULT_CAPACITY = 512;

/**
 * The SQLite handle Kysely is given, with every prepared statement kept for reuse.
 *
 * Kysely's SQLite driver prepares each query afresh; preparing costs as much as running the
 * small statements a webhook makes, and profiling the webhook path showed it as the largest
 * single cost. Queries come from a fixed set of shapes (values are bound, never inlined), so a
 * small cache holds them all. Reusing a statement is safe because the driver runs it to
 * completion synchronously (`all`/`run`); nothing here streams rows with `iterate`.
 */
export function withStatementCache(database: SqliteDatabase, capacity = DEFAULT_CAPACITY): KyselySqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string): Statement {
      let statement = statements.get(sql);
      if (statement) return statement;
      statement = database.prepare(sql);
      // A shape outside the usual set (an ad-hoc query) must not grow the cache without bound.
      if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
