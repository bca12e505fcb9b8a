// A bare baseline: the same job as the service's webhook → subscription path with no framework,
// no GraphQL and no database. node:http + ws + an in-memory Map.
//   POST /webhooks/bandwidth  (basic auth)  JSON event → update the call → broadcast to subscribers
//   WebSocket on any path: a socket sends {"subscribe": "<callId>"} and receives every event of that call.
// Prints "READY <port>" on stdout once listening. Env: PORT (0 = any), WEBHOOK_USERNAME, WEBHOOK_PASSWORD.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { webhookReceiver } from './webhook-receiver.mjs';

const calls = new Map(); // callId → { state, events, subscribers:Set<WebSocket> }

function call(id) {
  let c = calls.get(id);
  if (!c) calls.set(id, (c = { state: 'ringing', sequence: 0, subscribers: new Set() }));
  return c;
}

const server = createServer(
  webhookReceiver((event, _body, res) => {
    const c = call(event.callId);
    if (event.eventType === 'answer') c.state = 'active';
    if (event.eventType === 'hangup') c.state = 'completed';
    c.sequence += 1;
    if (c.subscribers.size > 0) {
      const message = JSON.stringify({ sequence: c.sequence, type: event.eventType, payload: event });
      for (const socket of c.subscribers) socket.send(message);
    }
    res.setHeader('content-type', 'application/json');
    res.end(`{"recorded":true,"sequence":${c.sequence}}`);
  }),
);

const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  let subscribed;
  socket.on('message', (data) => {
    try {
      const message = JSON.parse(data.toString());
      if (typeof message.subscribe === 'string') {
        subscribed = call(message.subscribe);
        subscribed.subscribers.add(socket);
        socket.send('{"subscribed":true}');
      }
    } catch { socket.close(1003); }
  });
  socket.on('close', () => subscribed?.subscribers.delete(socket));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`READY ${server.address().port}`);
});
const stop = () => { for (const s of wss.clients) s.terminate(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
