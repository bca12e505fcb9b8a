// `npm run soak`: the service under mixed traffic for SOAK_MINUTES (default 10), sampled every
// 10 s. PostgreSQL + a Redis of the soak's own (restarted every two minutes) + the simulator as its
// own process (its memory is not the service's). Writes soak/results/latest.{json,svg} and exits 1
// when, after warm-up, resident memory grew by 10 % or more, or subscriptions, handles or file
// descriptors were left behind. Not part of `npm test`.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const DIST = resolve(ROOT, 'dist');
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SAMPLE_EVERY_MS = 10_000;
/** Samples before this share of the run are warm-up: caches, JIT and pools fill then. */
const WARM_UP_SHARE = 0.2;
const MAX_MEMORY_GROWTH = 0.1;
const CALLS_PER_SECOND = Number(process.env.SOAK_CALLS_PER_SECOND ?? 4);
const SUBSCRIBERS = 20;
const REDIS_RESTART_EVERY_MS = 120_000;
const DATABASE_URL = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `soak_${process.pid}_${Date.now().toString(36)}`;
const API_TOKEN = 'soak-client-token-000001';
const WEBHOOK = { WEBHOOK_USERNAME: 'bandwidth', WEBHOOK_PASSWORD: 'soak-webhook-secret' };
const RESULTS = join(HERE, 'results');

const log = (...args) => console.error('[soak]', ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

function start(name, command, args, env) {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  return { child, output: () => output, name };
}

async function until(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`soak: ${what} did not happen within ${timeoutMs} ms`);
}

// --- the processes ---------------------------------------------------------------------------

const redisPort = await freePort();
let redis;
async function startRedis() {
  redis = start('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await until('Redis to listen', async () => redis.output().includes('Ready to accept connections'));
}
await startRedis();

const simPort = await freePort();
const simulator = start('simulator', process.execPath, [join(DIST, 'simulator/main.js')], {
  SIMULATOR_PORT: String(simPort),
  SIMULATOR_ANSWER_DELAY_MS: '200',
  SIMULATOR_PLAYBACK_MS: '300',
});
const simUrl = `http://127.0.0.1:${simPort}`;
await until('the simulator to listen', async () => (await fetch(`${simUrl}/control/settings`)).ok);
// Every Bandwidth event delivered twice.
await control('PUT', '/control/faults/callbacks', { duplicate: 1 });

const port = await freePort();
const service = start('service', process.execPath, [join(DIST, 'src/main.js')], {
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
  DATABASE_URL,
  DATABASE_SCHEMA: SCHEMA,
  REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  REDIS_PREFIX: SCHEMA,
  BANDWIDTH_API_URL: simUrl,
  BANDWIDTH_USER_ID: 'u-simulator',
  BANDWIDTH_API_TOKEN: 'simulator-token',
  BANDWIDTH_API_SECRET: 'simulator-secret',
  API_TOKENS: API_TOKEN,
  ...WEBHOOK,
  OUTBOUND_CALLS_PER_SECOND: '100',
  MUTATION_RATE_LIMIT: '0',
  // Many subscribers from one client: measured, not limited.
  MAX_SUBSCRIPTIONS_PER_TOKEN: '1000000',
  MAX_SUBSCRIPTIONS: '1000000',
  MAX_WS_CONNECTIONS_PER_ADDRESS: '1000000',
  MAX_WS_CONNECTIONS_PER_TOKEN: '1000000',
});
const url = `http://127.0.0.1:${port}`;
await until('the service to be ready', async () => (await fetch(`${url}/readyz`)).ok, 30_000);
log(`service pid ${service.child.pid} on ${url}; ${MINUTES} min, ${CALLS_PER_SECOND} calls/s, ${SUBSCRIBERS} subscribers churning`);

async function control(method, path, body) {
  const response = await fetch(`${simUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator ${method} ${path}: ${response.status}`);
  return response.status === 204 ? undefined : response.json();
}

// --- the traffic -----------------------------------------------------------------------------

/** Client-side latencies (ms) of this sampling window, and failures. */
let latencies = [];
let failures = 0;
let requests = 0;

async function gql(query, variables) {
  const started = performance.now();
  requests += 1;
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) failures += 1;
    return body.data;
  } catch {
    failures += 1;
    return undefined;
  } finally {
    latencies.push(performance.now() - started);
  }
}

const CREATE = `mutation($input: CreateCallInput!) { createCall(input: $input) { id state bandwidthCallId } }`;
const HANG_UP = `mutation($callId: ID!) { hangUpCall(callId: $callId) { id state } }`;
const EVENTS = `subscription($callId: ID!) { callEvents(callId: $callId) { sequence type } }`;
const recent = [];
let placed = 0;

async function placeCall() {
  placed += 1;
  const n = placed;
  const data = await gql(CREATE, {
    input: {
      from: '+19195550100',
      to: `+1919555${String(1000 + (n % 9000)).padStart(4, '0')}`,
      audio: [{ fileUrl: `https://audio.example/soak-${n}-a.mp3` }, { fileUrl: `https://audio.example/soak-${n}-b.wav` }],
      idempotencyKey: `soak-${SCHEMA}-${n}`,
    },
  });
  const call = data?.createCall;
  if (!call) return;
  recent.push(call.id);
  if (recent.length > 50) recent.shift();
  // One call in five has its callbacks held and delivered in reverse order.
  if (n % 5 === 0 && call.bandwidthCallId) {
    await control('POST', `/control/calls/${call.bandwidthCallId}/hold`).catch(() => undefined);
    setTimeout(() => void control('POST', `/control/calls/${call.bandwidthCallId}/release`, { order: 'reverse' }).catch(() => undefined), 1500);
  }
  // Both files play in about a second; hang up after that (some calls still playing).
  setTimeout(() => void gql(HANG_UP, { callId: call.id }), 1000 + (n % 3) * 800);
}

const ws = createClient({
  url: `${url.replace('http', 'ws')}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${API_TOKEN}` },
  retryAttempts: Infinity,
  shouldRetry: () => true,
});
const subscriptions = [];
let received = 0;
function subscribe() {
  const callId = recent[Math.floor(Math.random() * recent.length)];
  if (!callId) return false;
  const dispose = ws.subscribe({ query: EVENTS, variables: { callId } }, { next: () => (received += 1), error: () => undefined, complete: () => undefined });
  subscriptions.push(dispose);
  return true;
}
function churnSubscribers() {
  while (subscriptions.length > SUBSCRIBERS - 2) subscriptions.shift()();
  while (subscriptions.length < SUBSCRIBERS && subscribe());
}

// --- sampling --------------------------------------------------------------------------------

const CLOCK_TICKS = 100;
function processStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKib = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMiB: rssKib / 1024, cpuSeconds: (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS };
}

async function metrics() {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : null;
  };
  return {
    heapMiB: value('catapult_nodejs_heap_size_used_bytes') / 2 ** 20,
    openFds: value('catapult_process_open_fds'),
    activeHandles: value('catapult_nodejs_active_handles_total'),
    eventLoopP99Ms: value('catapult_nodejs_eventloop_lag_p99_seconds') * 1000,
    subscriptions: value('catapult_graphql_subscriptions_active'),
  };
}

function p99(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

const samples = [];
const startedAt = Date.now();
async function sample(phase) {
  const window = latencies;
  latencies = [];
  const entry = {
    atS: Math.round((Date.now() - startedAt) / 1000),
    phase,
    ...processStats(service.child.pid),
    ...(await metrics()),
    requests,
    failures,
    latencyP99Ms: p99(window),
    placed,
    eventsReceived: received,
  };
  samples.push(entry);
  log(
    `${String(entry.atS).padStart(4)} s  rss ${entry.rssMiB.toFixed(1)} MiB  heap ${entry.heapMiB.toFixed(1)} MiB  fds ${entry.openFds}  handles ${entry.activeHandles}` +
      `  loop p99 ${entry.eventLoopP99Ms.toFixed(1)} ms  req p99 ${entry.latencyP99Ms?.toFixed(1) ?? '-'} ms  calls ${placed}  subs ${entry.subscriptions}  failures ${failures}`,
  );
}

// --- the run ---------------------------------------------------------------------------------

const baseline = await metrics();
await sample('start');
const endAt = startedAt + MINUTES * 60_000;
const load = setInterval(() => {
  for (let i = 0; i < CALLS_PER_SECOND; i += 1) void placeCall();
  churnSubscribers();
}, 1000);
const sampler = setInterval(() => void sample('load'), SAMPLE_EVERY_MS);
let redisRestarts = 0;
const restarter = setInterval(async () => {
  redisRestarts += 1;
  log(`restarting Redis (${redisRestarts})`);
  redis.child.kill('SIGTERM');
  await new Promise((r) => redis.child.once('exit', r));
  await sleep(3000);
  await startRedis();
}, REDIS_RESTART_EVERY_MS);

await sleep(endAt - Date.now());
clearInterval(load);
clearInterval(restarter);
clearInterval(sampler);
// Everything closed: what is left afterwards was leaked.
while (subscriptions.length > 0) subscriptions.shift()();
await ws.dispose();
await until('every call to end', async () => {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  const text = await response.text();
  return !/catapult_calls\{state="(QUEUED|REQUESTED|RINGING|ACTIVE)"\} [1-9]/.test(text);
}, 60_000).catch((error) => log(error.message));
await sleep(5000);
await sample('after');
const afterLoad = samples.at(-1);

// --- verdict ---------------------------------------------------------------------------------

const load_ = samples.filter((s) => s.phase === 'load');
const warm = load_.filter((s) => s.atS >= MINUTES * 60 * WARM_UP_SHARE);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const first = warm.slice(0, 3);
const last = warm.slice(-3);
const rssGrowth = median(last.map((s) => s.rssMiB)) / median(first.map((s) => s.rssMiB)) - 1;
const heapGrowth = median(last.map((s) => s.heapMiB)) / median(first.map((s) => s.heapMiB)) - 1;
// Pools and keep-alive connections are open by the end of warm-up; with the load gone, handles
// and descriptors fall back to at most that level unless something leaks them.
const warmedUp = first[0];
const checks = {
  memoryGrowthUnder10Percent: rssGrowth < MAX_MEMORY_GROWTH,
  noSubscriptionLeft: afterLoad.subscriptions === 0,
  noHandleLeak: afterLoad.activeHandles <= warmedUp.activeHandles,
  noFdLeak: afterLoad.openFds <= warmedUp.openFds,
  noFailedRequest: failures === 0,
  serviceAlive: service.child.exitCode === null,
};
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg() },
  settings: { minutes: MINUTES, callsPerSecond: CALLS_PER_SECOND, subscribers: SUBSCRIBERS, duplicateDeliveries: 1, reversedEveryNthCall: 5, redisRestartEveryS: REDIS_RESTART_EVERY_MS / 1000, backend: 'postgres+redis', api: 'v1' },
  summary: {
    callsPlaced: placed,
    graphqlRequests: requests,
    graphqlFailures: failures,
    eventsReceivedBySubscribers: received,
    redisRestarts,
    rssGrowthAfterWarmUp: Number(rssGrowth.toFixed(4)),
    heapGrowthAfterWarmUp: Number(heapGrowth.toFixed(4)),
    maxLatencyP99Ms: Math.max(...load_.map((s) => s.latencyP99Ms ?? 0)),
    maxEventLoopP99Ms: Math.max(...load_.map((s) => s.eventLoopP99Ms)),
    baseline,
    warmedUp,
    afterLoad,
  },
  checks,
  samples,
};
mkdirSync(RESULTS, { recursive: true });
const partial = MINUTES < 10 ? '-partial' : '';
writeFileSync(join(RESULTS, `latest${partial}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(RESULTS, `latest${partial}.svg`), plot(samples, result));
log(JSON.stringify(result.summary, null, 2));
log(JSON.stringify(checks));

service.child.kill('SIGTERM');
await new Promise((r) => service.child.once('exit', r));
simulator.child.kill('SIGTERM');
redis.child.kill('SIGTERM');
const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
await admin.query(`drop schema if exists "${SCHEMA}" cascade`);
await admin.end();
process.exit(Object.values(checks).every(Boolean) ? 0 : 1);

// --- the plot --------------------------------------------------------------------------------

/** Two panels over minutes: memory (RSS, heap) and latency (request p99, event-loop p99). */
function plot(points, result) {
  const width = 720;
  const panel = 200;
  const left = 60;
  const right = 20;
  const top = 40;
  const gap = 60;
  const maxX = Math.max(...points.map((p) => p.atS), 1);
  const x = (s) => left + ((width - left - right) * s) / maxX;
  const series = (values, y, color) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${values.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const panelOf = (index, title, lines) => {
    const y0 = top + index * (panel + gap);
    const maxY = Math.max(...lines.flatMap((l) => l.values.map(([, v]) => v)), 1) * 1.1;
    const y = (v) => y0 + panel - (panel * v) / maxY;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const v = maxY * f;
      return `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`;
    });
    const legend = lines.map((l, i) => `<text x="${left + 10 + i * 170}" y="${y0 - 8}" fill="${l.color}">${l.name}</text>`);
    return [`<text x="${left}" y="${y0 - 24}" font-weight="bold">${title}</text>`, ...ticks, ...legend, ...lines.map((l) => series(l.values, y, l.color))].join('');
  };
  const minutesAxis = Array.from({ length: Math.floor(maxX / 60) + 1 }, (_, m) => `<text x="${x(m * 60)}" y="${top + 2 * panel + gap + 16}" text-anchor="middle">${m}</text>`);
  const warmUpEnd = x(result.settings.minutes * 60 * WARM_UP_SHARE);
  const height = top + 2 * panel + gap + 40;
  const body = [
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<line x1="${warmUpEnd}" x2="${warmUpEnd}" y1="${top}" y2="${top + 2 * panel + gap}" stroke="#999" stroke-dasharray="4 3"/>`,
    panelOf(0, 'Memory (MiB)', [
      { name: 'resident (RSS)', color: '#1f77b4', values: points.map((p) => [p.atS, p.rssMiB]) },
      { name: 'V8 heap used', color: '#ff7f0e', values: points.map((p) => [p.atS, p.heapMiB]) },
    ]),
    panelOf(1, 'Latency (ms)', [
      { name: 'GraphQL request p99', color: '#2ca02c', values: points.filter((p) => p.latencyP99Ms !== null).map((p) => [p.atS, p.latencyP99Ms]) },
      { name: 'event-loop delay p99', color: '#d62728', values: points.map((p) => [p.atS, p.eventLoopP99Ms]) },
    ]),
    ...minutesAxis,
    `<text x="${width / 2}" y="${height - 4}" text-anchor="middle">minutes (dashed: end of warm-up)</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">${body.join('')}</svg>\n`;
}
