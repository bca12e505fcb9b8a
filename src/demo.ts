import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from './config.js';
import { startServer } from './server.js';

/**
 * `npm run demo`: the whole flow in one command, for a newcomer. Starts the service with the
 * built-in simulator (a throwaway SQLite file, free ports), places a call with two files queued,
 * prints its event log as the subscription delivers it, hangs up once both files have played,
 * and stops. `--v2` runs it on the simulator's Bandwidth v2 (BXML) API instead of v1. The far
 * end's timings can be changed with SIMULATOR_ANSWER_DELAY_MS and SIMULATOR_PLAYBACK_MS.
 */
const FILES = ['https://example.com/hello.mp3', 'https://example.com/menu.wav'];
const TO = '+19195550123';

interface LoggedEvent {
  sequence: number;
  type: string;
  source: string;
  payload: Record<string, unknown>;
}

const apiVersion = process.argv.includes('--v2') ? 'v2' : 'v1';
/** How Bandwidth says a file finished, and that the call ended, on each API. */
const FILE_DONE = (event: LoggedEvent): boolean =>
  apiVersion === 'v1' ? event.type === 'playback' && event.payload.status === 'done' : event.type === 'redirect' && isFileRedirect(event);
const END_EVENT = apiVersion === 'v1' ? 'hangup' : 'disconnect';

const dir = mkdtempSync(join(tmpdir(), 'catapult-demo-'));
const config = loadConfig({
  BANDWIDTH_API_VERSION: apiVersion,
  HOST: '127.0.0.1',
  PORT: '0',
  SIMULATOR_PORT: '0',
  DATABASE_URL: `sqlite:${join(dir, 'calls.sqlite')}`,
  SIMULATOR_ANSWER_DELAY_MS: process.env.SIMULATOR_ANSWER_DELAY_MS ?? '1000',
  SIMULATOR_PLAYBACK_MS: process.env.SIMULATOR_PLAYBACK_MS ?? '1500',
});
const server = await startServer(config, pino({ level: 'silent' }));
const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
const say = (line: string): void => void process.stdout.write(`${line}\n`);

try {
  say(`service on ${server.url} (GraphQL at /graphql), Bandwidth ${apiVersion} simulator on ${server.simulator!.url}`);
  const created = await execute<{ createCall: { id: string; state: string; bandwidthCallId: string | null } }>(
    `mutation($input: CreateCallInput!) { createCall(input: $input) { id state bandwidthCallId } }`,
    { input: { from: '+19195550100', to: TO, audio: FILES.map((fileUrl) => ({ fileUrl })) } },
  );
  const call = created.createCall;
  say(`createCall → ${call.id}, ${call.state}, Bandwidth call ${call.bandwidthCallId}; two files queued`);
  say('callEvents:');
  await followUntilEnded(call.id);
  const final = await execute<{ call: { state: string; endReason: string; playbacks: Array<{ fileUrl: string; status: string }> } }>(
    `query($id: ID!) { call(id: $id) { state endReason playbacks { fileUrl status } } }`,
    { id: call.id },
  );
  say(`call ${final.call.state} (${final.call.endReason}); ${final.call.playbacks.map((p) => `${p.fileUrl.split('/').pop()} ${p.status}`).join(', ')}`);
} finally {
  await client.dispose();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Prints the call's log as it comes; hangs up after the last file, returns once the call has ended. */
async function followUntilEnded(callId: string): Promise<void> {
  let filesDone = 0;
  let hungUp = false;
  // Our hangup request confirmed (call.hung_up) and Bandwidth's own hangup event, in either order.
  const endings = new Set<string>();
  const events = client.iterate<{ callEvents: LoggedEvent }>({
    query: `subscription($callId: ID!) { callEvents(callId: $callId) { sequence type source payload } }`,
    variables: { callId },
  });
  for await (const { data, errors } of events) {
    if (errors) throw new Error(errors.map((error) => error.message).join('; '));
    const event = data!.callEvents;
    say(`  ${String(event.sequence).padStart(3)}  ${event.type.padEnd(24)} ${event.source.padEnd(10)} ${summary(event)}`);
    if (FILE_DONE(event)) filesDone += 1;
    if (filesDone === FILES.length && !hungUp) {
      hungUp = true;
      say('  (both files played: hangUpCall)');
      await execute(`mutation($callId: ID!) { hangUpCall(callId: $callId) { state } }`, { callId });
    }
    if (event.type === 'call.hung_up' || event.type === END_EVENT) endings.add(event.type);
    if (endings.size === 2) break;
  }
}

function isFileRedirect(event: LoggedEvent): boolean {
  return (event.payload.redirectMarker as { kind?: string } | undefined)?.kind === 'playback';
}

function summary(event: LoggedEvent): string {
  const { payload } = event;
  if (isFileRedirect(event)) return `file done: ${(payload.redirectMarker as { playbackId: string }).playbackId}`;
  const pick = ['to', 'fileUrl', 'status', 'callState', 'cause', 'bandwidthCallId', 'by'].filter((key) => payload[key] !== undefined);
  return pick.map((key) => `${key}=${String(payload[key])}`).join(' ');
}

async function execute<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  for await (const { data, errors } of client.iterate<T>({ query, variables })) {
    if (errors) throw new Error(errors.map((error) => error.message).join('; '));
    return data as T;
  }
  throw new Error('no result');
}
