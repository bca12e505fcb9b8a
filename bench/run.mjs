// `npm run bench`: starts the service (dist/src/main.js) and the bare baseline (bench/baseline.mjs)
// as their own processes, drives them from this process, prints a table and writes
// bench/results/latest.{md,json}. Env: BENCH_DIST (compiled output, default ./dist), BENCH_QUICK=1 (shorter runs).
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, totalmem, cpus, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import WebSocket from 'ws';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const DIST = resolve(ROOT, process.env.BENCH_DIST ?? 'dist');
const QUICK = process.env.BENCH_QUICK === '1';
// BENCH_BACKEND=postgres measures the scale-out configuration: PostgreSQL + Redis (a fresh schema
// and channel prefix, dropped afterwards) instead of the embedded SQLite file and in-process bus.
const BACKEND = process.env.BENCH_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BENCH_SCHEMA = `bench_${process.pid}_${Date.now().toString(36)}`;
// BENCH_PROFILE=dir: the service runs with --cpu-prof and writes its profile there on exit.
const PROFILE_DIR = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : undefined;
// BENCH_ONLY=webhooks,fanout,…: run only these scenarios (names as in SCENARIOS below).
const SCENARIOS = ['startup', 'memory', 'createCall', 'webhooks', 'fanout', 'fanoutSpread', 'timeToAudio', 'scaleOut'];
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((x) => x.trim())) : null;
if (ONLY) for (const name of ONLY) if (!SCENARIOS.includes(name)) throw new Error(`BENCH_ONLY: unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
const runs = (name) => !ONLY || ONLY.has(name);
// A quick or partial run never overwrites the full result kept in the repository.
const RESULT_NAME = `${BACKEND === 'postgres' ? 'latest-postgres' : 'latest'}${QUICK || ONLY ? '-partial' : ''}`;
const DURATION = QUICK ? 2 : 4; // seconds per autocannon run
const WEBHOOK_CONNECTIONS = 50;
// Offered webhook rates (events/s); null = as fast as the target answers.
const WEBHOOK_RATES = QUICK ? [2500, null] : [1000, 2500, 5000, 10000, null];
// BENCH_FANOUT=100,1000: other subscriber counts for the one-call fan-out (e.g. to compare builds).
const FANOUT_N = process.env.BENCH_FANOUT ? process.env.BENCH_FANOUT.split(',').map(Number) : QUICK ? [1, 100] : [1, 100, 1000, 5000];
// Subscribers spread over many calls: [subscribers, calls].
// Event rates for the open-loop fan-out latency runs (1,000 subscribers: × 1,000 messages/s).
const PACED_EVENT_RATES = QUICK ? [25] : [25, 50];
const SPREAD = QUICK ? [[100, 10]] : [[1000, 100], [5000, 500]];
// The first size is also the createCall scenario's 1,000 calls, which the per-call figure counts.
const MEMORY_SIZES = QUICK ? [1000] : [1000, 5000];
const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const WEBHOOK_USER = 'bandwidth';
const WEBHOOK_PASS = 'bench-secret';
const AUTH = 'Basic ' + Buffer.from(`${WEBHOOK_USER}:${WEBHOOK_PASS}`).toString('base64');
const children = new Set();
const tmpDirs = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);

function cleanup() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });
// Hard stop: never run away.
setTimeout(() => { log('global time limit reached, stopping'); cleanup(); process.exit(2); }, 15 * 60_000).unref();

async function freePort() {
  return new Promise((res, rej) => {
    const probe = createServer();
    probe.once('error', rej);
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => res(port)); });
  });
}

async function waitHealthy(url, child, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready`);
    await sleep(100);
  }
}

function track(child, name) {
  children.add(child);
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  child.on('exit', () => children.delete(child));
  return { child, output: () => out, name };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
}

async function startService() {
  const dir = mkdtempSync(join(tmpdir(), 'calls-bench-'));
  tmpDirs.push(dir);
  const port = await freePort();
  const simPort = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    SIMULATOR_PORT: String(simPort),
    ...(BACKEND === 'postgres'
      ? { DATABASE_URL: BENCH_DATABASE_URL, DATABASE_SCHEMA: BENCH_SCHEMA, REDIS_URL: BENCH_REDIS_URL, REDIS_PREFIX: BENCH_SCHEMA }
      : { DATABASE_URL: `sqlite:${join(dir, 'calls.sqlite')}` }),
    // SQLITE_SYNCHRONOUS=full measures the cost of an fsync per commit.
    ...(process.env.SQLITE_SYNCHRONOUS ? { SQLITE_SYNCHRONOUS: process.env.SQLITE_SYNCHRONOUS } : {}),
    LOG_LEVEL: 'silent',
    MUTATION_RATE_LIMIT: '0',
    // Thousands of subscribers from one client: measured, not limited.
    MAX_SUBSCRIPTIONS_PER_TOKEN: '1000000',
    MAX_SUBSCRIPTIONS: '1000000',
    HTTP_MAX_CONNECTIONS: '1000000',
    MAX_WS_CONNECTIONS_PER_ADDRESS: '1000000',
    MAX_WS_CONNECTIONS_PER_TOKEN: '1000000',
    OUTBOUND_CALLS_PER_SECOND: '1000',
    SIMULATOR_ANSWER_DELAY_MS: '600000', // the far end never answers by itself; we send `answer` ourselves
    SIMULATOR_PLAYBACK_MS: '0',
    WEBHOOK_USERNAME: WEBHOOK_USER,
    WEBHOOK_PASSWORD: WEBHOOK_PASS,
    NODE_ENV: 'development',
  };
  // cwd = temp dir, so a developer's .env is not picked up.
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(DIST, 'src/main.js')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const t = track(child, 'service');
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, 'service').catch((e) => { throw new Error(`${e.message}: ${t.output().slice(-2000)}`); });
  return { url, simUrl: `http://127.0.0.1:${simPort}`, child, pid: child.pid };
}

/**
 * The in-memory baseline (bench/baseline.mjs), or with `durable` the bare durable receiver
 * (bench/durable-baseline.mjs) on the same database as the service: the cost of only making each
 * event durable, which ours/durable measures the service's own overhead against.
 */
async function startBaseline(durable = false) {
  const dir = mkdtempSync(join(tmpdir(), 'calls-bench-durable-'));
  tmpDirs.push(dir);
  const store = BACKEND === 'postgres'
    ? { BACKEND, DATABASE_URL: BENCH_DATABASE_URL, DATABASE_SCHEMA: `${BENCH_SCHEMA}_durable` }
    : { BACKEND, SQLITE_FILE: join(dir, 'durable.sqlite'), ...(process.env.SQLITE_SYNCHRONOUS ? { SQLITE_SYNCHRONOUS: process.env.SQLITE_SYNCHRONOUS } : {}) };
  const child = spawn(process.execPath, [join(HERE, durable ? 'durable-baseline.mjs' : 'baseline.mjs')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: '0', WEBHOOK_USERNAME: WEBHOOK_USER, WEBHOOK_PASSWORD: WEBHOOK_PASS, ...(durable ? store : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, durable ? 'durable baseline' : 'baseline');
  const port = await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (c) => { buf += c; const m = /READY (\d+)/.exec(buf); if (m) res(Number(m[1])); });
    child.once('exit', (code) => rej(new Error(`baseline exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, 'baseline');
  return { url, child, pid: child.pid };
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

/** CPU time (user + system) the process has used so far, in ms; clock-tick resolution (10 ms). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

async function gql(url, query, variables) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const CREATE_CALL = `mutation($input: CreateCallInput!) { createCall(input: $input) { id state bandwidthCallId } }`;
const callInput = (i, audio = []) => ({
  from: '+19195550100',
  to: `+1919555${String(1000 + (i % 9000)).padStart(4, '0')}`,
  callTimeoutSeconds: 300,
  audio: audio.map((fileUrl) => ({ fileUrl })),
});

/** Runs `fn` `total` times with `concurrency` in flight; returns per-op latencies (ms) and wall time. */
async function pool(total, concurrency, fn) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  const results = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        try { results[i] = await fn(i); latencies.push(performance.now() - t0); } catch (e) { errors++; results[i] = e; }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - start, errors, results };
}

/** Runs `fn(i)` for i < total at `perSec` a second, on schedule whatever the answers' latency. */
async function paced(total, perSec, fn) {
  let errors = 0;
  const running = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(fn(i).catch(() => void errors++));
  }
  await Promise.all(running);
  return { errors };
}

// ---------- scenarios ----------

/** The calls once Bandwidth (the simulator) has them: a QUEUED call waits for its turn under the dial rate. */
async function whenDialled(svc, calls) {
  const deadline = Date.now() + 30_000;
  const run = await pool(calls.length, 20, async (i) => {
    let call = calls[i];
    while (!call.bandwidthCallId) {
      if (Date.now() > deadline) throw new Error(`call ${call.id} was never dialled`);
      await sleep(50);
      call = (await gql(svc.url, 'query($id: ID!) { call(id: $id) { id state bandwidthCallId } }', { id: call.id })).call;
    }
    return call;
  });
  return run.results.filter((c) => c && c.bandwidthCallId);
}

async function createCalls(svc, count, concurrency) {
  const run = await pool(count, concurrency, async (i) => (await gql(svc.url, CREATE_CALL, { input: callInput(i) })).createCall);
  const calls = run.results.filter((c) => c && c.id);
  const states = {};
  for (const c of calls) states[c.state] = (states[c.state] ?? 0) + 1;
  return { run, calls, states };
}

/**
 * Bodies for webhook load, one new event per request: inbound calls through their whole life,
 * `incomingcall` → `answer` → `playback` started → `playback` done → `hangup`. Requests go out in
 * rounds of `window` calls, each round one stage further, so a call's next event is `window`
 * requests behind its last and arrives after it even with many connections in flight. Every
 * event is new (no redelivery), and every one finds its call.
 */
function lifecycleEvents(prefix, window = 250) {
  const stages = [
    (callId, time) => ({ eventType: 'incomingcall', callId, from: '+13233326955', to: '+19195550100', callState: 'active', time }),
    (callId, time) => ({ eventType: 'answer', callId, from: '+13233326955', to: '+19195550100', callState: 'active', time }),
    (callId, time) => ({ eventType: 'playback', callId, status: 'started', tag: `greeting-${callId}`, time }),
    (callId, time) => ({ eventType: 'playback', callId, status: 'done', tag: `greeting-${callId}`, time }),
    (callId, time) => ({ eventType: 'hangup', callId, cause: 'NORMAL_CLEARING', callState: 'completed', time }),
  ];
  let n = 0;
  return () => {
    const i = n++;
    const round = Math.floor(i / window);
    const stage = round % stages.length;
    const callNumber = Math.floor(round / stages.length) * window + (i % window);
    return JSON.stringify(stages[stage](`c-${prefix}-${callNumber}`, new Date().toISOString()));
  };
}

async function webhookLoad(target, prefix, rate, connections = WEBHOOK_CONNECTIONS, duration = DURATION) {
  const nextBody = lifecycleEvents(prefix);
  const cpu0 = cpuMs(target.pid);
  const result = await autocannon({
    url: `${target.url}/webhooks/bandwidth`,
    method: 'POST',
    connections,
    duration,
    ...(rate ? { overallRate: rate } : {}),
    headers: { 'content-type': 'application/json', authorization: AUTH },
    requests: [{ setupRequest: (req) => ({ ...req, body: nextBody() }) }],
  });
  const cpu = cpuMs(target.pid) - cpu0;
  return {
    offered: rate ?? 'max',
    eventsPerSec: round(result.requests.average, 0),
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerEvent: round((cpu * 1000) / Math.max(1, result.requests.total), 0),
  };
}

/** Opens `n` subscribers; `kind` 'gql' (graphql-transport-ws callEvents) or 'bare' (baseline protocol). */
async function openSubscribers(wsUrl, kind, callIdOf, n, onEvent) {
  const sockets = [];
  const open = (idx) =>
    new Promise((res, rej) => {
      const callId = typeof callIdOf === 'function' ? callIdOf(idx) : callIdOf;
      const socket = kind === 'gql' ? new WebSocket(wsUrl, 'graphql-transport-ws') : new WebSocket(wsUrl);
      const timer = setTimeout(() => rej(new Error(`subscriber ${idx} timed out`)), 30_000);
      socket.on('error', (e) => { clearTimeout(timer); rej(e); });
      socket.on('open', () => {
        if (kind === 'gql') socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
        else socket.send(JSON.stringify({ subscribe: callId }));
      });
      socket.on('message', (data) => {
        const text = data.toString();
        if (kind === 'gql' && text.includes('"connection_ack"')) {
          socket.send(JSON.stringify({
            id: '1', type: 'subscribe',
            payload: { query: 'subscription($callId: ID!) { callEvents(callId: $callId) { sequence type payload } }', variables: { callId } },
          }));
          // graphql-ws gives no "subscribed" ack; the replay of the log's first event tells us it is live.
          return;
        }
        if (kind === 'bare' && text.includes('"subscribed"')) { clearTimeout(timer); res(socket); return; }
        if (kind === 'gql' && text.includes('"next"') && !socket._live) { socket._live = true; clearTimeout(timer); res(socket); }
        if (text.includes('"error"') && kind === 'gql' && text.includes('"type":"error"')) { clearTimeout(timer); rej(new Error(text)); }
        const m = /benchSeq\\?":(\d+)/.exec(text);
        if (m && onEvent) onEvent(Number(m[1]));
      });
    });
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => open(i + j)));
    sockets.push(...batch);
  }
  return sockets;
}

async function closeSockets(sockets) {
  await Promise.all(sockets.map((s) => new Promise((r) => { if (s.readyState === WebSocket.CLOSED) return r(); s.once('close', r); s.close(); setTimeout(() => { s.terminate(); r(); }, 2000).unref(); })));
}

async function postWebhook(url, body) {
  const res = await fetch(`${url}/webhooks/bandwidth`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH }, body });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`webhook ${res.status}`);
}

/**
 * `n` subscribers over `targets` (one call, or many: subscriber i watches targets[i % length]),
 * then webhooks round-robin over the targets, each carrying a sequence number the subscribers
 * report back. Latency: webhook sent → message received here.
 */
async function fanOut(target, kind, targets, n, { totalMessages = 50_000, inFlight = 4, eventsPerSec } = {}) {
  const perTarget = n / targets.length;
  const K = eventsPerSec ? eventsPerSec * 4 : Math.max(20, Math.min(5000, Math.round(totalMessages / perTarget)));
  const sentAt = new Array(K);
  const latencies = [];
  let received = 0;
  let lastAt = 0;
  let allDone;
  const done = new Promise((r) => (allDone = r));
  const expected = Math.round(K * perTarget);
  const wsUrl = kind === 'gql' ? target.url.replace('http', 'ws') + '/graphql' : target.url.replace('http', 'ws');
  const sockets = await openSubscribers(wsUrl, kind, (i) => (kind === 'gql' ? targets[i % targets.length].id : targets[i % targets.length].bandwidthCallId), n, (seq) => {
    const now = performance.now();
    if (sentAt[seq] === undefined) return; // replayed from an earlier round
    latencies.push(now - sentAt[seq]);
    received++;
    lastAt = now;
    if (received === expected) allDone();
  });
  await sleep(300);
  const cpu0 = cpuMs(target.pid);
  const start = performance.now();
  const send = async (seq) => {
    const { bandwidthCallId } = targets[seq % targets.length];
    sentAt[seq] = performance.now();
    await postWebhook(target.url, JSON.stringify({ eventType: 'dtmf', callId: bandwidthCallId, dtmfDigit: '1', benchSeq: seq, benchRound: `${kind}-${n}` }));
  };
  // Closed loop (as fast as `inFlight` webhooks at a time allow), or open loop at a set event
  // rate, for the latency of a service that is not saturated.
  const sendRun = eventsPerSec ? await paced(K, eventsPerSec, send) : await pool(K, inFlight, send);
  await Promise.race([done, sleep(40_000)]); // what has not arrived by then counts as lost
  const cpu = cpuMs(target.pid) - cpu0;
  await closeSockets(sockets);
  latencies.sort((a, b) => a - b);
  const span = (lastAt - start) / 1000;
  return {
    subscribers: n, calls: targets.length, webhooks: K, expected, received, sendErrors: sendRun.errors,
    messagesPerSec: round(received / span, 0), p50: round(pct(latencies, 50), 2), p99: round(pct(latencies, 99), 2),
    cpuUsPerDelivery: round((cpu * 1000) / Math.max(1, received), 2),
  };
}

async function timeToAudio(svc, count) {
  const created = await pool(count, 10, async (i) => (await gql(svc.url, CREATE_CALL, { input: callInput(i, ['https://example.com/a.mp3']) })).createCall);
  const calls = await whenDialled(svc, created.results.filter((c) => c && c.id));
  const sent = new Map();
  for (const c of calls) {
    const t0 = Date.now();
    await postWebhook(svc.url, JSON.stringify({ eventType: 'answer', callId: c.bandwidthCallId, tag: c.id, from: '+19195550100', to: '+19195551000', callState: 'active', time: new Date().toISOString() }));
    sent.set(c.bandwidthCallId, t0);
    await sleep(5);
  }
  await sleep(1000);
  const requests = await (await fetch(`${svc.simUrl}/control/requests?path=/audio`)).json();
  const first = new Map();
  for (const r of requests) if (r.callId && r.path?.endsWith('/audio') && !first.has(r.callId)) first.set(r.callId, Date.parse(r.at));
  const lat = [];
  for (const [id, t0] of sent) if (first.has(id)) lat.push(first.get(id) - t0);
  lat.sort((a, b) => a - b);
  return { calls: calls.length, measured: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1), resolutionMs: 1 };
}

/**
 * Milliseconds from running `command` in the checkout to the first answered `POST /graphql`, on
 * free ports and a fresh SQLite file, with the build already up to date (what a restart costs).
 */
async function timeToFirstAnswer(command, args) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  tmpDirs.push(dir);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), SIMULATOR_PORT: String(await freePort()), DATABASE_URL: `sqlite:${join(dir, 'calls.sqlite')}`, LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  // Its own process group: `npm start` runs the build and the service as children of its own.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: 'ignore', detached: true });
  children.add(child);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
      const answered = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}',
      }).then((r) => r.ok, () => false);
      if (answered) return round(performance.now() - t0, 0);
      if (performance.now() - t0 > 60_000) throw new Error(`${command} ${args.join(' ')} did not answer within 60 s`);
      await sleep(10);
    }
  } finally {
    try { process.kill(-child.pid, 'SIGINT'); } catch {}
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  }
}

async function startup() {
  execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'ignore' }); // up to date before timing
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const npmStart = [], bare = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    npmStart.push(await timeToFirstAnswer('npm', ['start']));
    bare.push(await timeToFirstAnswer(process.execPath, ['dist/src/main.js']));
  }
  return { npmStartMs: median(npmStart), serviceAloneMs: median(bare), runs: { npmStart, serviceAlone: bare } };
}

// ---------- main ----------

async function main() {
  const started = Date.now();
  const machine = {
    nproc: Number(execSync('nproc').toString().trim()),
    cpu: cpus()[0]?.model ?? 'unknown',
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
  log('machine', machine);
  const results = { machine, quick: QUICK, scenarios: {} };

  if (runs('startup')) {
    // Before anything else runs, so nothing competes with the start-up.
    results.scenarios.startup = await startup();
    log('startup', results.scenarios.startup);
  }

  const svc = await startService();
  const base = await startBaseline();
  const durable = runs('webhooks') ? await startBaseline(true) : undefined;
  log('service', svc.url, 'pid', svc.pid, '| baseline', base.url, 'pid', base.pid, durable ? `| durable baseline ${durable.url} pid ${durable.pid}` : '');
  const ws = (target) => target.url.replace('http', 'ws') + (target === svc ? '/graphql' : '');
  try {
    await sleep(1000);
    const anchor = (await gql(svc.url, CREATE_CALL, { input: callInput(0) })).createCall;

    if (runs('memory')) {
      // Idle subscriptions, on fresh processes before anything else has run: RSS growth per
      // subscription from none to each size.
      await sleep(500);
      const svcRss0 = rssKiB(svc.pid);
      const baseRss0 = rssKiB(base.pid);
      const idle = [];
      const perSubscription = [];
      for (const size of MEMORY_SIZES) {
        const more = size - idle.length / 2;
        idle.push(...(await openSubscribers(ws(svc), 'gql', anchor.id, more)));
        idle.push(...(await openSubscribers(ws(base), 'bare', 'idle-call', more)));
        await sleep(1500);
        perSubscription.push({
          subscriptions: size,
          ours: round((rssKiB(svc.pid) - svcRss0) / size, 1),
          baseline: round((rssKiB(base.pid) - baseRss0) / size, 1),
        });
        log('memory per idle subscription (KiB)', perSubscription.at(-1));
      }
      await closeSockets(idle);
      results.scenarios.memoryPerSubscription = perSubscription;
    }

    if (runs('createCall')) {
      await sleep(1000);
      const cc = await createCalls(svc, 1000, 20);
      results.scenarios.createCall = {
        calls: 1000, concurrency: 20, ok: cc.calls.length, errors: cc.run.errors, states: cc.states,
        perSec: round(1000 / (cc.run.wallMs / 1000), 0), p50: round(pct(cc.run.latencies, 50), 1), p99: round(pct(cc.run.latencies, 99), 1),
      };
      log('createCall', results.scenarios.createCall);
    }

    if (runs('memory')) {
      // Memory per active call, on a service of its own: RSS growth from its idle start to each
      // size, every call created and answered. (Measured on the first service, the memory freed
      // after the subscriptions above closed made the figure meaningless, even negative.)
      const fresh = await startService();
      try {
        await sleep(1500);
        const rss0 = rssKiB(fresh.pid);
        const answer = (c) => postWebhook(fresh.url, JSON.stringify({ eventType: 'answer', callId: c.bandwidthCallId, tag: c.id, callState: 'active', time: new Date().toISOString() }));
        const perCall = [];
        let active = 0;
        for (const size of MEMORY_SIZES) {
          const calls = await whenDialled(fresh, (await createCalls(fresh, size - active, 20)).calls);
          await pool(calls.length, 20, (i) => answer(calls[i]));
          active += calls.length;
          await sleep(1500);
          perCall.push({ calls: active, ours: round((rssKiB(fresh.pid) - rss0) / active, 1) });
          log('memory per active call (KiB)', perCall.at(-1));
        }
        results.scenarios.memoryPerCall = perCall;
      } finally {
        await stopChild(fresh.child);
      }
    }

    if (runs('webhooks')) {
      // Webhook ingestion: whole inbound call lives at rising offered rates.
      const ingestion = [];
      for (const [step, rate] of WEBHOOK_RATES.entries()) {
        const ours = await webhookLoad(svc, `s${step}`, rate);
        const baseline = await webhookLoad(base, `s${step}`, rate);
        const durableBaseline = await webhookLoad(durable, `s${step}`, rate);
        ingestion.push({ offered: rate ?? 'max', ours, baseline, durableBaseline });
        log('webhook ingestion', rate ?? 'max', 'ours', ours, 'baseline', baseline, 'durable baseline', durableBaseline);
      }
      results.scenarios.webhookIngestion = ingestion;
    }

    if (runs('fanout')) {
      // Fan-out: N subscribers of one call.
      const fan = [];
      for (const n of FANOUT_N) {
        const [target] = await whenDialled(svc, [(await gql(svc.url, CREATE_CALL, { input: callInput(n) })).createCall]);
        let ours, baseline;
        try { ours = await fanOut(svc, 'gql', [target], n); }
        catch (e) { ours = { subscribers: n, error: String(e.message ?? e) }; }
        try { baseline = await fanOut(base, 'bare', [{ bandwidthCallId: `fan-${n}` }], n); }
        catch (e) { baseline = { subscribers: n, error: String(e.message ?? e) }; }
        fan.push({ subscribers: n, ours, baseline });
        log('fan-out', n, 'ours', ours, 'baseline', baseline);
      }
      results.scenarios.fanOut = fan;

      // Latency when not saturated: 1,000 subscribers of one call at set event rates.
      const n = QUICK ? 100 : 1000;
      results.scenarios.fanOutPaced = [];
      for (const eventsPerSec of PACED_EVENT_RATES) {
        const [target] = await whenDialled(svc, [(await gql(svc.url, CREATE_CALL, { input: callInput(n + eventsPerSec) })).createCall]);
        let ours, baseline;
        try { ours = await fanOut(svc, 'gql', [target], n, { eventsPerSec }); }
        catch (e) { ours = { subscribers: n, error: String(e.message ?? e) }; }
        try { baseline = await fanOut(base, 'bare', [{ bandwidthCallId: `paced-${n}-${eventsPerSec}` }], n, { eventsPerSec }); }
        catch (e) { baseline = { subscribers: n, error: String(e.message ?? e) }; }
        results.scenarios.fanOutPaced.push({ subscribers: n, eventsPerSec, ours, baseline });
        log('fan-out paced', n, eventsPerSec, 'events/s; ours', ours, 'baseline', baseline);
      }
    }

    if (runs('fanoutSpread')) {
      // Fan-out spread over many calls: each webhook reaches only its own call's subscribers.
      const spread = [];
      for (const [n, callCount] of SPREAD) {
        const targets = await whenDialled(svc, (await createCalls(svc, callCount, 20)).calls);
        let ours, baseline;
        try { ours = await fanOut(svc, 'gql', targets, n, { inFlight: 16 }); }
        catch (e) { ours = { subscribers: n, calls: callCount, error: String(e.message ?? e) }; }
        const bare = Array.from({ length: callCount }, (_, i) => ({ bandwidthCallId: `spread-${n}-${i}` }));
        try { baseline = await fanOut(base, 'bare', bare, n, { inFlight: 16 }); }
        catch (e) { baseline = { subscribers: n, calls: callCount, error: String(e.message ?? e) }; }
        spread.push({ subscribers: n, calls: callCount, ours, baseline });
        log('fan-out spread', n, 'over', callCount, 'ours', ours, 'baseline', baseline);
      }
      results.scenarios.fanOutSpread = spread;
    }

    if (runs('scaleOut') && BACKEND === 'postgres') {
      // Scale-out: the same closed-loop webhook load, as fast as answered, on one instance (all
      // connections) and on two instances of one PostgreSQL + Redis (half the connections each).
      const second = await startService();
      try {
        // Both warmed up alike first (JIT, pool connections), so neither starts cold.
        await Promise.all([webhookLoad(svc, 'sow1', null, WEBHOOK_CONNECTIONS / 2, 2), webhookLoad(second, 'sow2', null, WEBHOOK_CONNECTIONS / 2, 2)]);
        const one = await webhookLoad(svc, 'so1', null);
        const [a, b] = await Promise.all([
          webhookLoad(svc, 'so2a', null, WEBHOOK_CONNECTIONS / 2),
          webhookLoad(second, 'so2b', null, WEBHOOK_CONNECTIONS / 2),
        ]);
        results.scenarios.scaleOut = { one, two: [a, b], twoEventsPerSec: a.eventsPerSec + b.eventsPerSec };
        log('scale-out: one instance', one, 'two instances', a, b);
      } finally {
        await stopChild(second.child);
      }
    }

    if (runs('timeToAudio')) {
      results.scenarios.timeToAudio = await timeToAudio(svc, QUICK ? 50 : 200);
      log('time to audio', results.scenarios.timeToAudio);
    }
  } finally {
    await stopChild(svc.child);
    await stopChild(base.child);
    if (durable) await stopChild(durable.child);
  }
  results.durationSec = round((Date.now() - started) / 1000, 0);
  report(results);
}

function report(results) {
  const s = results.scenarios;
  const rows = [];
  const row = (scenario, ours, baseline, ratio, target, met) => rows.push({ scenario, ours, baseline, ratio, target, met });
  const fmtRatio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? round(a / b, 2) : null);
  for (const w of s.webhookIngestion ?? []) {
    const o = w.ours, b = w.baseline;
    const at = w.offered === 'max' ? 'as fast as answered' : `${w.offered}/s offered`;
    const r = fmtRatio(o.eventsPerSec, b.eventsPerSec);
    const max = w.offered === 'max';
    row(`webhook ingestion, ${at}: events/s`, o.eventsPerSec, b.eventsPerSec, r, max ? '≥ 5000 and ≥ 0.5× baseline' : '—', max ? o.eventsPerSec >= 5000 && r >= 0.5 : null);
    const judged = w.offered === 5000;
    row(`webhook ingestion, ${at}: p50 / p99 ms (errors)`, `${o.p50} / ${o.p99} (${o.errors})`, `${b.p50} / ${b.p99} (${b.errors})`, fmtRatio(o.p99, b.p99), judged ? 'p99 < 25' : '—', judged ? o.p99 < 25 && o.errors === 0 : null);
    row(`webhook ingestion, ${at}: CPU µs per event`, o.cpuUsPerEvent, b.cpuUsPerEvent, fmtRatio(o.cpuUsPerEvent, b.cpuUsPerEvent), '—', null);
    const d = w.durableBaseline;
    if (d) {
      // Against the bare durable receiver on the same database: the service's own overhead.
      const durableTarget = BACKEND === 'postgres' ? 0.6 : 0.8;
      const rd = fmtRatio(o.eventsPerSec, d.eventsPerSec);
      row(`webhook ingestion, ${at}: events/s vs bare durable receiver`, o.eventsPerSec, d.eventsPerSec, rd, max ? `≥ ${durableTarget}× durable` : '—', max ? rd >= durableTarget : null);
      row(`webhook ingestion, ${at}: bare durable receiver p50 / p99 ms (errors), CPU µs per event`, `${o.p50} / ${o.p99}, ${o.cpuUsPerEvent}`, `${d.p50} / ${d.p99} (${d.errors}), ${d.cpuUsPerEvent}`, fmtRatio(o.p99, d.p99), '—', null);
    }
  }
  const fanRows = (label, f, judged) => {
    const o = f.ours, b = f.baseline;
    if (o.error) { row(`${label}`, `error: ${o.error}`, b.messagesPerSec ?? b.error, null, '', false); return; }
    row(`${label}: delivered msgs/s (${o.received}/${o.expected})`, o.messagesPerSec, b.messagesPerSec ?? b.error, fmtRatio(o.messagesPerSec, b.messagesPerSec), judged ? '≥ 100000' : '—', judged ? o.messagesPerSec >= 100_000 && o.received === o.expected : null);
    row(`${label}: delivery p50 / p99 ms`, `${o.p50} / ${o.p99}`, `${b.p50} / ${b.p99}`, fmtRatio(o.p99, b.p99), judged ? 'p99 < 50' : '—', judged ? o.p99 < 50 : null);
    row(`${label}: CPU µs per delivery`, o.cpuUsPerDelivery, b.cpuUsPerDelivery, fmtRatio(o.cpuUsPerDelivery, b.cpuUsPerDelivery), '—', null);
  };
  for (const f of s.fanOut ?? []) fanRows(`fan-out, ${f.subscribers} subs of one call`, f, f.subscribers === 1000);
  for (const { ours: o, baseline: b, subscribers, eventsPerSec } of s.fanOutPaced ?? []) {
    row(`fan-out, ${subscribers} subs of one call at ${eventsPerSec} events/s: delivery p50 / p99 ms (${o.received}/${o.expected})`, o.error ? `error: ${o.error}` : `${o.p50} / ${o.p99}`, `${b.p50} / ${b.p99}`, fmtRatio(o.p99, b.p99), subscribers === 1000 ? 'p99 < 50' : '—', subscribers === 1000 ? !o.error && o.p99 < 50 && o.received === o.expected : null);
  }
  for (const f of s.fanOutSpread ?? []) fanRows(`fan-out, ${f.subscribers} subs over ${f.calls} calls`, f, false);
  if (s.startup) row(`npm start with nothing changed: ms to the first answered /graphql (median of ${s.startup.runs.npmStart.length}; baseline: node dist/src/main.js alone)`, s.startup.npmStartMs, s.startup.serviceAloneMs, fmtRatio(s.startup.npmStartMs, s.startup.serviceAloneMs), '< 3000', s.startup.npmStartMs < 3000);
  if (s.timeToAudio) row(`time to audio (answer POST → audio request), ${s.timeToAudio.measured} calls: p50 / p99 ms`, `${s.timeToAudio.p50} / ${s.timeToAudio.p99}`, '—', null, 'p99 < 10', s.timeToAudio.p99 < 10);
  if (s.scaleOut) {
    const { one, two, twoEventsPerSec } = s.scaleOut;
    const ratio = fmtRatio(twoEventsPerSec, one.eventsPerSec);
    row(`scale-out, webhooks as fast as answered: events/s, two instances vs one`, `${twoEventsPerSec} (${two[0].eventsPerSec} + ${two[1].eventsPerSec})`, one.eventsPerSec, ratio, '≥ 1.6×', ratio >= 1.6);
    row(`scale-out: p50 / p99 ms (errors), two instances vs one`, `${two[0].p50} / ${Math.max(two[0].p99, two[1].p99)} (${two[0].errors + two[1].errors})`, `${one.p50} / ${one.p99} (${one.errors})`, null, '—', null);
  }
  if (s.createCall) row(`createCall (1000 calls, 20 in flight): calls/s, p50 / p99 ms`, `${s.createCall.perSec}/s, ${s.createCall.p50} / ${s.createCall.p99}`, '—', null, '—', null);
  for (const m of s.memoryPerSubscription ?? []) row(`memory per idle subscription, KiB RSS (${m.subscriptions} subs)`, m.ours, m.baseline, fmtRatio(m.ours, m.baseline), '< 50', m.ours < 50);
  for (const m of s.memoryPerCall ?? []) row(`memory per active call, KiB RSS (${m.calls} calls)`, m.ours, '—', null, '—', null);
  results.table = rows;

  const m = results.machine;
  const mark = (v) => (v === true ? 'yes' : v === false ? '**no**' : '—');
  const md = [
    `# Benchmark results`,
    '',
    `Backend: ${BACKEND === 'postgres' ? 'PostgreSQL + Redis (local)' : 'SQLite file, in-process bus'}`,
    '',
    `${m.date} · ${m.nproc} CPUs (${m.cpu}) · ${m.totalMemoryMiB} MiB RAM · Node ${m.node} · ${m.platform} · load average at start ${m.loadAverageAtStart.join(' / ')} · run took ${results.durationSec} s${results.quick ? ' · QUICK mode' : ''}`,
    '',
    '| Scenario | Ours | Baseline | Ratio ours/baseline | Target | Met? |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.ours} | ${r.baseline} | ${r.ratio ?? '—'} | ${r.target} | ${mark(r.met)} |`),
    '',
    `Raw numbers: \`${RESULT_NAME}.json\`. See \`bench/README.md\` for what each line measures.`,
    '',
  ].join('\n');
  console.log(md);
  mkdirSync(join(HERE, 'results'), { recursive: true });
  writeFileSync(join(HERE, 'results', `${RESULT_NAME}.md`), md);
  writeFileSync(join(HERE, 'results', `${RESULT_NAME}.json`), JSON.stringify({ backend: BACKEND, ...results }, null, 2) + '\n');
}

async function dropBenchSchema() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${BENCH_SCHEMA}" cascade`);
  } finally {
    await client.end();
  }
}

main()
  .finally(() => (BACKEND === 'postgres' ? dropBenchSchema().catch((error) => log('could not drop the bench schema', error.message)) : undefined))
  .then(
  () => { cleanup(); process.exit(0); },
  (error) => { console.error(error); cleanup(); process.exit(1); },
);
