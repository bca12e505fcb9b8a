import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port.js';

/** A `redis-server` of a test's own, so stopping or restarting it disturbs no other test. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>`, with the password when the server requires one. */
  url: string;
  /** Stops the server (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (nothing is persisted), and waits until it answers PING. */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /** Require this password (`requirepass`), to test what becomes of a password in the URL. */
  password?: string;
}

/** Starts a memory-only `redis-server` on a free port and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  let child: ChildProcess | null = await launch(args, port);
  return {
    port,
    url: options.password ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    async stop() {
      if (child) await terminate(child);
      child = null;
    },
    async restart() {
      if (child) await terminate(child);
      child = await launch(args, port);
    },
  };
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 5000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Whether something on the port answers a Redis PING (`+PONG`, or `-NOAUTH` from a server that
 * wants a password: either way it is up). Raw RESP, so the helper does not lean on the client under test.
 */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString('utf8'))));
  });
}

/** A TCP relay to a Redis that can cut one client's link while Redis stays up for everyone else. */
export interface LinkToRedis {
  /** `redis://127.0.0.1:<relay port>` */
  url: string;
  /** Drops every connection through the relay and refuses new ones until `mend()`. */
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function linkToRedis(redisPort: number): Promise<LinkToRedis> {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const relay = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ port: redisPort, host: '127.0.0.1' });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as net.AddressInfo;
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      cut = true;
      dropAll();
    },
    mend() {
      cut = false;
    },
    close() {
      dropAll();
      return new Promise((resolve) => relay.close(() => resolve()));
    },
  };
}
