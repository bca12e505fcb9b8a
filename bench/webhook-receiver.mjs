// The HTTP side both bare baselines share: GET /healthz, and POST /webhooks/bandwidth with the
// webhook's basic auth (WEBHOOK_USERNAME / WEBHOOK_PASSWORD), its JSON parsed and checked for a
// callId and an eventType; anything else is answered 404, 401 or 400 here.

const expected = 'Basic ' + Buffer.from(`${process.env.WEBHOOK_USERNAME ?? 'bandwidth'}:${process.env.WEBHOOK_PASSWORD ?? 'secret'}`).toString('base64');

/** A node:http request listener that hands each valid webhook to `onEvent(event, body, res)`, which answers it. */
export function webhookReceiver(onEvent) {
  return (req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return res.end('ok');
    if (req.method !== 'POST' || req.url !== '/webhooks/bandwidth') { res.statusCode = 404; return res.end(); }
    if (req.headers.authorization !== expected) { res.statusCode = 401; return res.end(); }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event;
      try { event = JSON.parse(body); } catch { res.statusCode = 400; return res.end(); }
      if (typeof event?.callId !== 'string' || typeof event.eventType !== 'string') { res.statusCode = 400; return res.end(); }
      onEvent(event, body, res);
    });
  };
}
