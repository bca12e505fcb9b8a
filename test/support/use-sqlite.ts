/** Set up by jest's `sqlite` project (a worker may have run a PostgreSQL test file before). */
process.env.TEST_BACKEND = 'sqlite';
