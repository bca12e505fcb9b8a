/** A PostgreSQL schema name the store accepts: a lower-case SQL identifier, which needs no quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
