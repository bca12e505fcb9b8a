import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import { END_EVENT, FILE_EVENT, injectIncomingCall } from './support/bandwidth-api.js';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { createHttpApp } from '../src/http/app.js';
import { registerCallConsole } from '../src/http/call-console.route.js';
import { useBrowser } from './support/browser.js';
import { CREATE_CALL, FROM, PLAY_AUDIO, type CallView } from './support/documents.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { disposeAll, onDispose, startTestService, tempDir, waitFor, waitForCall, type TestService } from './support/test-service.js';
import { forEachSetup } from './support/matrix.js';

afterEach(disposeAll);
const newBrowserContext = useBrowser();

const CALLER = '+13233326955';

/**
 * A tab on the console, failing the test on any script error or failed request. With `clock`, the
 * page's timers run on Playwright's clock, which flows as usual until the test jumps it ahead.
 */
async function openConsole(base: string, options: { clock?: boolean } = {}): Promise<{ tab: Page; problems: string[] }> {
  const tab = await (await newBrowserContext()).newPage();
  if (options.clock) await tab.clock.install();
  const problems: string[] = [];
  tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  tab.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  // Content-Security-Policy violations, among others, only show up here.
  tab.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await tab.goto(`${base}/console/`);
  return { tab, problems };
}

async function waitUntilLive(tab: Page): Promise<void> {
  await tab.locator('[data-status="connected"]').waitFor({ timeout: 10_000 });
}

/** Waits until at least `count` elements match `selector`. */
async function waitForCount(tab: Page, selector: string, count: number): Promise<void> {
  await waitFor(`${count} × ${selector}`, async () => (await tab.locator(selector).count()) >= count, 10_000);
}

/** The timeline as shown: each event's sequence and type, and the notes between them. */
async function shownTimeline(tab: Page): Promise<{ events: { sequence: number; type: string }[]; resumed: number; gaps: number }> {
  return tab.$eval('.timeline', (list) => ({
    events: [...list.querySelectorAll('li[data-sequence]')].map((item) => ({ sequence: Number(item.getAttribute('data-sequence')), type: item.getAttribute('data-type')! })),
    resumed: list.querySelectorAll('li[data-resumed-after]').length,
    gaps: list.querySelectorAll('li[data-gap]').length,
  }));
}

/** Waits until the page's timeline holds the call's whole log as the service has it, then compares them. */
async function expectTimelineToMatchLog(tab: Page, service: TestService, callId: string): Promise<{ resumed: number }> {
  const call = await waitForCall(service, callId, 'the call to end', (c) => c.state === 'COMPLETED' || c.state === 'FAILED');
  const log = call.events!.map((event) => ({ sequence: event.sequence, type: event.type }));
  await waitForCount(tab, '.timeline li[data-sequence]', log.length);
  const shown = await shownTimeline(tab);
  expect(shown.events).toEqual(log);
  expect(shown.gaps).toBe(0);
  return { resumed: shown.resumed };
}

/** A console reached through a TCP proxy the test can break, showing the timeline of a call that has been answered. */
async function watchAnsweredCallThroughProxy(options: { clock?: boolean } = {}): Promise<{ service: TestService; proxy: TcpProxy; tab: Page; callId: string }> {
  const service = await startTestService();
  await service.sim('PATCH', '/control/settings', { answerDelayMs: 50, playbackDurationMs: 300 });
  const proxy = await startTcpProxy(service.url);
  onDispose(() => proxy.close());
  const { tab } = await openConsole(proxy.url, options);
  await waitUntilLive(tab);
  const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: '+19195550123' } });
  const callId = data!.createCall.id;
  await tab.locator(`table.calls tr[data-call-id="${callId}"]`).click();
  await tab.locator('.timeline li[data-type="answer"]').waitFor({ timeout: 5_000 });
  return { service, proxy, tab, callId };
}

// The page sees only the GraphQL API, the same on either backend; the API changes the timeline it shows.
forEachSetup('call console', { backends: ['sqlite'] }, () => {
  it('is served at /console/ with every file from this service', async () => {
    const service = await startTestService();
    const bare = await fetch(`${service.url}/console`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/console/']);
    const page = await fetch(`${service.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    // Inline data: URLs load nothing; everything else must come from the service itself.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, source]) => source!).filter((source) => !source.startsWith('data:'));
    expect(sources.length).toBeGreaterThanOrEqual(2);
    for (const source of sources) {
      expect(source).toMatch(/^\/console\/assets\//);
      const asset = await fetch(`${service.url}${source}`);
      expect([source, asset.status]).toEqual([source, 200]);
      expect(asset.headers.get('cache-control')).toContain('immutable');
    }
    const missing = await fetch(`${service.url}/console/assets/nothing.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404 });
  });

  it('answers 503 with what to run when the console was not built', async () => {
    const app = await createHttpApp(pino({ level: 'silent' }));
    onDispose(() => app.close());
    await registerCallConsole(app, { root: tempDir() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const page = await fetch(`http://127.0.0.1:${port}/console/`);
    expect(page.status).toBe(503);
    expect(await page.json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('npm run build') });
  });

  it('is off with CALL_CONSOLE=false', async () => {
    const service = await startTestService({ CALL_CONSOLE: 'false' });
    expect((await fetch(`${service.url}/console/`)).status).toBe(404);
  });

  it('places a call from the page and shows it ring, answer, play and end as the timeline grows', async () => {
    const service = await startTestService();
    // Slow enough to see each state on the page; the far end never hangs up by itself.
    await service.sim('PATCH', '/control/settings', { answerDelayMs: 1500, playbackDurationMs: 1000 });
    const { tab, problems } = await openConsole(service.url);
    await waitUntilLive(tab);

    await tab.getByRole('button', { name: 'Place call' }).click();
    const detail = tab.locator('article.call-detail');
    await detail.locator('header [data-state="RINGING"]').waitFor({ timeout: 5_000 });
    const callId = (await detail.getAttribute('data-call-id'))!;
    expect(await tab.locator(`table.calls tr[data-call-id="${callId}"]`).textContent()).toContain(`${FROM} → +19195550123`);
    await tab.locator('.timeline li[data-type="call.requested"]').waitFor();

    await detail.locator('header [data-state="ACTIVE"]').waitFor({ timeout: 5_000 });
    await detail.locator('.now-playing', { hasText: 'hello.mp3' }).waitFor({ timeout: 5_000 });
    await tab.locator('.timeline li[data-type="answer"]').waitFor();
    await waitForCount(tab, '.call-detail .playbacks li[data-status="DONE"]', 2);
    expect(await detail.locator('.playbacks').textContent()).toMatch(/Done hello\.mp3.*Done menu\.wav/);

    await detail.getByRole('button', { name: 'Hang up' }).click();
    await detail.locator('header [data-state="COMPLETED"]').waitFor({ timeout: 5_000 });
    await tab.locator(`table.calls tr[data-call-id="${callId}"] [data-state="COMPLETED"]`).waitFor();
    const { resumed } = await expectTimelineToMatchLog(tab, service, callId);
    expect(resumed).toBe(0);
    const types = (await shownTimeline(tab)).events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['call.requested', 'answer', FILE_EVENT, 'call.hung_up', END_EVENT]));
    expect(problems).toEqual([]);
  });

  it('answers an inbound call and queues, interrupts and stops audio on it from the page', async () => {
    const service = await startTestService();
    await service.sim('PATCH', '/control/settings', { playbackDurationMs: 300 });
    const { tab, problems } = await openConsole(service.url);
    await waitUntilLive(tab);

    await injectIncomingCall(service.sim, { from: CALLER, to: FROM });
    const row = tab.locator('table.calls tbody tr', { hasText: CALLER });
    await row.locator('[data-state="RINGING"]').waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toContain('Inbound');
    await row.click();
    const detail = tab.locator('article.call-detail');
    await detail.getByRole('button', { name: 'Answer' }).click();
    await detail.locator('header [data-state="ACTIVE"]').waitFor({ timeout: 5_000 });

    await detail.getByLabel('Audio file URL').fill('https://example.com/audio/welcome.wav');
    await detail.getByRole('button', { name: 'Queue' }).click();
    await detail.locator('.playbacks li[data-status="DONE"]', { hasText: 'welcome.wav' }).waitFor({ timeout: 5_000 });

    // A looping file, cut off by one that interrupts it, then a loop stopped outright.
    const fileUrl = detail.getByLabel('Audio file URL');
    await fileUrl.fill('https://example.com/audio/hold.mp3');
    await detail.getByLabel('Loop').check();
    await detail.getByRole('button', { name: 'Queue' }).click();
    await detail.locator('.playbacks li[data-status="PLAYING"]', { hasText: 'hold.mp3' }).waitFor({ timeout: 5_000 });
    await fileUrl.fill('https://example.com/audio/urgent.wav');
    await detail.getByLabel('Loop').uncheck();
    await detail.getByLabel('Interrupt').check();
    await detail.getByRole('button', { name: 'Play now' }).click();
    await detail.locator('.playbacks li[data-status="STOPPED"]', { hasText: 'hold.mp3' }).waitFor({ timeout: 5_000 });
    await detail.locator('.playbacks li[data-status="DONE"]', { hasText: 'urgent.wav' }).waitFor({ timeout: 5_000 });
    await fileUrl.fill('https://example.com/audio/hold.mp3');
    await detail.getByLabel('Interrupt').uncheck();
    await detail.getByLabel('Loop').check();
    await detail.getByRole('button', { name: 'Queue' }).click();
    await detail.locator('.now-playing', { hasText: 'hold.mp3 (looping)' }).waitFor({ timeout: 5_000 });
    await detail.getByRole('button', { name: 'Stop audio' }).click();
    await waitForCount(tab, '.call-detail .playbacks li[data-status="STOPPED"]', 2);
    await detail.locator('.now-playing', { hasText: 'nothing' }).waitFor({ timeout: 5_000 });

    await detail.getByRole('button', { name: 'Hang up' }).click();
    await detail.locator('header [data-state="COMPLETED"]').waitFor({ timeout: 5_000 });
    await expectTimelineToMatchLog(tab, service, (await detail.getAttribute('data-call-id'))!);
    expect(problems).toEqual([]);
  });

  it('shows why a request was refused, with its error code', async () => {
    const service = await startTestService();
    const { tab } = await openConsole(service.url);
    await waitUntilLive(tab);
    await tab.getByLabel('To', { exact: true }).fill('not a number');
    await tab.getByRole('button', { name: 'Place call' }).click();
    const alert = tab.getByRole('form', { name: 'Place a call' }).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/BAD_USER_INPUT/);
    const { data } = await service.gql<{ calls: { nodes: unknown[] } }>('{ calls { nodes { id } } }');
    expect(data!.calls.nodes).toEqual([]);
  });

  it('asks for the API token when the service requires one, and keeps it for the tab', async () => {
    const token = 'console-token-0123456789';
    const service = await startTestService({ API_TOKENS: `${token}:all` });
    const { tab, problems } = await openConsole(service.url);
    const form = tab.getByRole('form', { name: 'API token' });
    await form.waitFor({ timeout: 10_000 });

    await form.getByLabel('Token').fill('not-the-token-0123456789');
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.getByRole('alert').textContent()).toContain('refused');

    await form.getByLabel('Token').fill(token);
    await form.getByRole('button', { name: 'Connect' }).click();
    await waitUntilLive(tab);
    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: '+19195550123' } });
    await tab.locator(`table.calls tr[data-call-id="${data!.createCall.id}"]`).waitFor({ timeout: 5_000 });

    await tab.reload();
    await waitUntilLive(tab);
    expect(await form.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('notices a connection gone silent, reconnects and resumes the timeline', async () => {
    const { service, proxy, tab, callId } = await watchAnsweredCallThroughProxy({ clock: true });

    // Nothing is closed, nothing arrives: only the console's ping without a pong can tell. Its
    // ping (every 5 s) and its wait for the pong (3 s) run on the page's clock, jumped ahead here.
    proxy.silence();
    await service.gql(PLAY_AUDIO, { input: { callId, fileUrl: 'https://example.com/audio/one.mp3' } });
    const reconnecting = tab.locator('[data-status="reconnecting"]');
    await waitFor('the console to notice the silence', async () => {
      await tab.clock.fastForward(1_000);
      return (await reconnecting.count()) > 0;
    });
    await waitForCall(service, callId, 'the file to play', (call) => call.playbacks.some((p) => p.status === 'DONE'));
    await service.gql('mutation ($callId: ID!) { hangUpCall(callId: $callId) { id } }', { callId });
    proxy.restore();

    await waitUntilLive(tab);
    const { resumed } = await expectTimelineToMatchLog(tab, service, callId);
    expect(resumed).toBeGreaterThanOrEqual(1);
  });

  it('places a call once when its reply is lost and the button is pressed again', async () => {
    const service = await startTestService({ SIMULATOR_ANSWER_DELAY_MS: '60000' });
    const proxy = await startTcpProxy(service.url);
    onDispose(() => proxy.close());
    const { tab } = await openConsole(proxy.url);
    await waitUntilLive(tab);
    const callIds = async (): Promise<string[]> => {
      const { data } = await service.gql<{ calls: { nodes: { id: string }[] } }>('{ calls { nodes { id } } }');
      return data!.calls.nodes.map((call) => call.id);
    };

    proxy.loseReplies();
    await tab.getByRole('button', { name: 'Place call' }).click();
    const [placed] = await waitFor('the call to be placed', async () => ((await callIds()).length === 1 ? callIds() : undefined));
    proxy.cut();
    const form = tab.getByRole('form', { name: 'Place a call' });
    await form.getByRole('alert').waitFor({ timeout: 5_000 });
    expect(await form.getByRole('alert').textContent()).toContain('NOT_CONNECTED');
    proxy.restore();
    await waitUntilLive(tab);

    await tab.getByRole('button', { name: 'Place call' }).click();
    await tab.locator(`article.call-detail[data-call-id="${placed}"]`).waitFor({ timeout: 5_000 });
    expect(await callIds()).toEqual([placed]);
    // Once it succeeded, the next press is a new call.
    await tab.getByRole('button', { name: 'Place call' }).click();
    await waitFor('a second call', async () => (await callIds()).length === 2);
  });

  it('keeps the newest 200 calls in the list, however many arrive', async () => {
    const service = await startTestService({ SIMULATOR_ANSWER_DELAY_MS: '60000' });
    const { tab, problems } = await openConsole(service.url);
    await waitUntilLive(tab);
    const create = async (): Promise<string> => {
      const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: '+19195550123' } });
      return data!.createCall.id;
    };
    // Five calls one after another, then 200 newer ones, twenty at a time.
    const oldest: string[] = [];
    for (let i = 0; i < 5; i++) oldest.push(await create());
    const newest: string[] = [];
    for (let batch = 0; batch < 10; batch++) newest.push(...(await Promise.all(Array.from({ length: 20 }, create))));

    const shown = (): Promise<string[]> => tab.$$eval('table.calls tbody tr', (rows) => rows.map((row) => row.getAttribute('data-call-id')!));
    const listed = await waitFor(
      'the newest 200 calls to fill the list',
      async () => {
        const ids = await shown();
        return newest.every((id) => ids.includes(id)) ? ids : undefined;
      },
      10_000,
    );
    expect([...listed].sort()).toEqual([...newest].sort());
    expect(listed.filter((id) => oldest.includes(id))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('reconnects after the connection drops and resumes the timeline with no gap and no repeat', async () => {
    const { service, proxy, tab, callId } = await watchAnsweredCallThroughProxy();

    proxy.cut();
    await tab.locator('[data-status="reconnecting"]').waitFor({ timeout: 5_000 });
    // While the page is cut off, the call goes on and another call is placed.
    for (const file of ['one.mp3', 'two.wav']) {
      await service.gql(PLAY_AUDIO, { input: { callId, fileUrl: `https://example.com/audio/${file}` } });
    }
    const other = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: '+19195550124' } });
    await waitForCall(service, callId, 'both files to play', (call) => call.playbacks.filter((p) => p.status === 'DONE').length === 2);
    await service.gql('mutation ($callId: ID!) { hangUpCall(callId: $callId) { id } }', { callId });
    proxy.restore();

    await waitUntilLive(tab);
    const { resumed } = await expectTimelineToMatchLog(tab, service, callId);
    expect(resumed).toBeGreaterThanOrEqual(1);
    await tab.locator(`table.calls tr[data-call-id="${other.data!.createCall.id}"]`).waitFor({ timeout: 5_000 });
    await tab.locator(`table.calls tr[data-call-id="${callId}"] [data-state="COMPLETED"]`).waitFor();
  });
});
