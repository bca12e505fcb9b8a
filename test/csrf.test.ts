import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM } from './support/documents.js';
import { disposeAll, startTestService, type TestService } from './support/test-service.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

let service: TestService;

const CALLS = '{ calls { nodes { id } } }';
const createCallBody = JSON.stringify({ query: CREATE_CALL, variables: { input: { from: FROM, to: ANSWERS } } });

async function callCount(): Promise<number> {
  const { data } = await service.gql<{ calls: { nodes: unknown[] } }>(CALLS);
  return data!.calls.nodes.length;
}

/**
 * A page on another site can make a browser send "simple" requests (a GET, or a POST with a form
 * or text/plain body) without asking first, and with the user's cookies. None of them may run an
 * operation; a JSON POST, which a browser only sends cross-site after a CORS preflight, may.
 */
forEachSetup('CSRF prevention', ABOVE_BANDWIDTH, () => {
  beforeEach(async () => {
    service = await startTestService();
  });

  it('refuses a GET without a preflight-only header', async () => {
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent(CALLS)}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toMatch(/Cross-Site Request Forgery/);

    const withHeader = await fetch(`${service.url}/graphql?query=${encodeURIComponent(CALLS)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(withHeader.status).toBe(200);
  });

  it.each([
    ['text/plain', createCallBody],
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent(CREATE_CALL)}`],
    ['multipart/form-data; boundary=x', `--x\r\ncontent-disposition: form-data; name="operations"\r\n\r\n${createCallBody}\r\n--x--\r\n`],
  ])('refuses a POST of %s and runs nothing', async (contentType, body) => {
    const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await callCount()).toBe(0);
  });

  it('never runs a mutation sent as a GET, even with the header', async () => {
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent('mutation { stopAudio(callId: "call_x") { id } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
  });

  it('runs a JSON POST', async () => {
    const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: createCallBody });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(await callCount()).toBe(1);
  });
});
