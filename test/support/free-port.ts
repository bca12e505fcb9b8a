import { createServer } from 'node:net';

/**
 * First port tests hand out. Below Linux's ephemeral range (32768–60999), from which the kernel
 * picks every `listen(0)` and every outgoing connection's local port.
 */
const FIRST_PORT = 20_000;
/** Ports each jest worker owns: its own slice, so two workers are never handed the same port. */
const PORTS_PER_WORKER = 1_000;
const WORKER = Number(process.env.JEST_WORKER_ID ?? '1');
const SLICE_START = FIRST_PORT + ((WORKER - 1) % 12) * PORTS_PER_WORKER;

let next = 0;

/**
 * A port for a server that a test starts later on a fixed address (a service process, Redis, the
 * instance that takes over after a kill). A port from `listen(0)` is free only at that moment: in
 * the seconds before the server binds it (a service process takes two to four on a busy machine),
 * the kernel may give it to another worker's server, whose `/healthz` then answers for the process
 * that could not bind. These ports come from this worker's slice outside the kernel's range, in
 * turn, each checked free before it is handed out.
 */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORTS_PER_WORKER; tried += 1) {
    const port = SLICE_START + next;
    next = (next + 1) % PORTS_PER_WORKER;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${SLICE_START}-${SLICE_START + PORTS_PER_WORKER - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
