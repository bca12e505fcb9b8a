/** Set up by jest's `*-v2` projects: the tests in them run against Bandwidth's v2 API (the simulator's). */
process.env.TEST_BANDWIDTH_API = 'v2';
