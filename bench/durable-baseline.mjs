// A bare *durable* baseline: what a webhook receiver that only makes each event durable costs on
// the same database as the service, with no framework, no GraphQL, no call state machine and no
// fan-out. node:http, one event per request, answered only once it is committed:
//   postgres: one statement per event (an upsert that bumps the call's sequence, feeding the
//             insert of the event, in one autocommitted CTE) on a pool of 10, like the service's;
//   sqlite:   one transaction per event (bump the call's sequence, append the event) with the
//             service's own pragmas (WAL, synchronous as SQLITE_SYNCHRONOUS, busy_timeout).
//   POST /webhooks/bandwidth (basic auth), JSON event with callId and eventType; GET /healthz.
// Prints "READY <port>" on stdout once listening. Env: PORT, WEBHOOK_USERNAME, WEBHOOK_PASSWORD,
// BACKEND (sqlite | postgres), DATABASE_URL and DATABASE_SCHEMA (postgres), SQLITE_FILE and
// SQLITE_SYNCHRONOUS (sqlite).
import { createServer } from 'node:http';
import { webhookReceiver } from './webhook-receiver.mjs';

const backend = process.env.BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** Appends one event to its call's log; resolves with the event's sequence once it is durable. */
async function openLog() {
  if (backend === 'postgres') {
    const { default: pg } = await import('pg');
    const schema = process.env.DATABASE_SCHEMA ?? 'bench_durable';
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: `-c search_path=${schema}` });
    await pool.query(`create schema if not exists ${schema}`);
    await pool.query(`create table if not exists ${schema}.calls (id text primary key, sequence integer not null)`);
    await pool.query(
      `create table if not exists ${schema}.events (call_id text not null, sequence integer not null, type text not null, payload jsonb not null, received_at timestamptz not null default now(), primary key (call_id, sequence))`,
    );
    const append = {
      name: 'append',
      text: `with bumped as (
               insert into calls (id, sequence) values ($1, 1)
               on conflict (id) do update set sequence = calls.sequence + 1
               returning sequence)
             insert into events (call_id, sequence, type, payload) select $1, sequence, $2, $3 from bumped returning sequence`,
    };
    return {
      append: async (callId, type, body) => (await pool.query({ ...append, values: [callId, type, body] })).rows[0].sequence,
      close: async () => {
        await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
        await pool.end();
      },
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(process.env.SQLITE_FILE ?? 'durable-baseline.db');
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`synchronous = ${process.env.SQLITE_SYNCHRONOUS ?? 'normal'}`);
  db.exec('create table if not exists calls (id text primary key, sequence integer not null)');
  db.exec(
    'create table if not exists events (call_id text not null, sequence integer not null, type text not null, payload text not null, received_at text not null, primary key (call_id, sequence))',
  );
  const bump = db.prepare('insert into calls (id, sequence) values (?, 1) on conflict (id) do update set sequence = sequence + 1 returning sequence');
  const insert = db.prepare('insert into events (call_id, sequence, type, payload, received_at) values (?, ?, ?, ?, ?)');
  const append = db.transaction((callId, type, body) => {
    const { sequence } = bump.get(callId);
    insert.run(callId, sequence, type, body, new Date().toISOString());
    return sequence;
  });
  return { append: async (callId, type, body) => append(callId, type, body), close: async () => db.close() };
}

const log = await openLog();

const server = createServer(
  webhookReceiver((event, body, res) => {
    log.append(event.callId, event.eventType, body).then(
      (sequence) => {
        res.setHeader('content-type', 'application/json');
        res.end(`{"recorded":true,"sequence":${sequence}}`);
      },
      () => { res.statusCode = 503; res.end(); },
    );
  }),
);

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`READY ${server.address().port}`);
});
const stop = () => {
  server.close(() => void log.close().finally(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
