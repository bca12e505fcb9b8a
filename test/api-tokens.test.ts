import { afterEach, expect, it } from '@jest/globals';
import { disposeAll, startTestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const TOKEN = 'a-client-token-0123456789';
const QUERY = '{ calls { nodes { id } } }';

forEachSetup('API_TOKENS', ABOVE_BANDWIDTH, () => {
  it('rejects HTTP requests without a valid bearer token as UNAUTHENTICATED', async () => {
    const service = await startTestService({ API_TOKENS: `other-token-abcdefghijkl, ${TOKEN}` });
    for (const token of [undefined, 'wrong-token-0123456789', `${TOKEN}x`]) {
      const response = await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: QUERY }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
    const ok = await service.gql(QUERY, {}, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.errors).toBeUndefined();
  });

  it('closes a WebSocket without a valid token with 4403 before any data', async () => {
    const service = await startTestService({ API_TOKENS: TOKEN });
    const rejected = service.ws({ authorization: 'Bearer wrong-token-0123456789' });
    const closed = new Promise<number>((resolve) => rejected.on('closed', (event) => resolve((event as { code: number }).code)));
    const received: unknown[] = [];
    rejected.subscribe({ query: 'subscription { callUpdated { id } }' }, { next: (v) => received.push(v), error: () => undefined, complete: () => undefined });
    expect(await closed).toBe(4403);
    expect(received).toEqual([]);

    const accepted = service.ws({ authorization: `Bearer ${TOKEN}` });
    const result = await new Promise<unknown>((resolve, reject) =>
      accepted.subscribe({ query: QUERY }, { next: resolve, error: reject, complete: () => undefined }),
    );
    expect(result).toEqual({ data: { calls: { nodes: [] } } });
  });
});
