/**
 * Dialect-specific pieces of an otherwise shared SQL store: how a transaction locks the call row
 * it reads (SQLite serialises whole transactions; PostgreSQL needs `FOR UPDATE`).
 */
export interface SqlDialectTraits {
  /** Whether transactions must lock the rows they read (PostgreSQL) or are serialised whole (SQLite). */
  lockRows: boolean;
  /** Whether an error is a lost race (unique violation, serialization failure) worth a retry. */
  isConflict(error: unknown): boolean;
  /**
   * Whether transactions that arrive together are committed together one after the other
   * (`GroupCommit`): for a single-connection database, where they would run so anyway. Otherwise
   * they share batches ({@link SqlDialectTraits.sharedTransactions}).
   */
  groupCommit?: boolean;
  /**
   * Whether a transaction's writes are held back until its next read or its end and sent as one
   * statement of data-modifying CTEs (PostgreSQL): each statement is a round trip, whose socket
   * writes and reads cost more CPU than building the SQL. SQLite runs in-process and has no
   * data-modifying CTEs.
   */
  batchWrites?: boolean;
  /**
   * For a database with many connections (PostgreSQL): transactions that arrive together share
   * one database transaction and its statements (`TransactionBatcher`), at most this many such
   * batches at once.
   * @default 1
   */
  sharedTransactions?: number;
  /**
   * Why the database cannot serve requests now, when an error says so (a full or read-only disk,
   * an unreachable server), in a few words; undefined for any other error.
   */
  unavailable(error: unknown): string | undefined;
}
