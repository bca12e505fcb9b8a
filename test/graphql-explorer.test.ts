import { afterEach, expect, it } from '@jest/globals';
import { ANSWERS, CREATE_CALL, FROM, type CallView } from './support/documents.js';
import { useBrowser } from './support/browser.js';
import { disposeAll, startTestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);
const newBrowserContext = useBrowser();

const asHtml = { accept: 'text/html,application/xhtml+xml' };

// A page served by the service, which neither the backend nor the API changes.
forEachSetup('GraphQL explorer', { backends: ['sqlite'], apis: ['v1'] }, () => {
  it('serves GraphiQL to a browser opening /graphql, with every file from this service', async () => {
    const service = await startTestService();
    const page = await fetch(`${service.url}/graphql`, { headers: asHtml });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    // Inline `data:` URIs (its icon) are fetched from nowhere; everything else must be ours.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, source]) => source!).filter((source) => !source.startsWith('data:'));
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) {
      expect(source).toMatch(/^\/graphql\/explorer\//);
      const asset = await fetch(`${service.url}${source}`);
      expect([source, asset.status]).toEqual([source, 200]);
      expect(asset.headers.get('content-type')).toMatch(/^text\/(javascript|css)/);
    }
    expect((await fetch(`${service.url}/graphql/explorer/nothing.js`)).status).toBe(404);
    // GraphQL over GET is untouched: a query string still goes to the API.
    const api = await fetch(`${service.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('is off with GRAPHQL_EXPLORER=false', async () => {
    const service = await startTestService({ GRAPHQL_EXPLORER: 'false' });
    // Nor is Apollo's landing page (it loads from the internet): the request goes to the API.
    const page = await fetch(`${service.url}/graphql`, { headers: asHtml });
    expect(page.headers.get('content-type')).not.toMatch(/^text\/html/);
    expect(page.status).toBe(400);
    expect((await fetch(`${service.url}/graphql/explorer/graphiql.js`)).status).toBe(404);
  });

  it('runs a subscription in a real browser and shows what it streams', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 60_000 });
    const tab = await (await newBrowserContext()).newPage();
    const failed: string[] = [];
    tab.on('requestfailed', (request) => failed.push(request.url()));
    tab.on('response', (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`)));
    await tab.goto(`${service.url}/graphql#query=${encodeURIComponent('subscription { callUpdated { id state } }')}`);
    await tab.waitForSelector('.graphiql-execute-button', { timeout: 15_000 });
    await tab.click('.graphiql-execute-button');
    // Placed after the subscription started: only a live stream can show it.
    await service.waitForListeners(1, 15_000);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    const callId = data!.createCall.id;
    await tab.waitForFunction(`document.querySelector('.graphiql-response')?.textContent?.includes(${JSON.stringify(callId)})`, undefined, { timeout: 10_000 });
    const shown = await tab.textContent('.graphiql-response');
    expect(shown).toContain('RINGING');
    expect(failed).toEqual([]);
    // Its own icon, so a browser asks for no /favicon.ico the service does not have.
    expect(await tab.getAttribute('link[rel="icon"]', 'href')).toBe('data:,');
  });
});
