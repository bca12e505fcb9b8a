/** Set up by jest's v1 projects (a worker may have run a v2 test file before). */
process.env.TEST_BANDWIDTH_API = 'v1';
