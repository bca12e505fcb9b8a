/** Set up by jest's `postgres` project: the tests in it run on PostgreSQL and Redis. */
process.env.TEST_BACKEND = 'postgres';
