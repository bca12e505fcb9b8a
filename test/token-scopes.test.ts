import { afterEach, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';
import { identifyCaller } from '../src/http/caller.js';
import { ANSWER, ANSWERS, CALL_UPDATED, CREATE_CALL, FROM, HANG_UP, PLAY_AUDIO, STOP_AUDIO, file, type CallView } from './support/documents.js';
import { disposeAll, startTestService, Subscription } from './support/test-service.js';
import { holdSocketOpen, wsExecute } from './support/ws-operation.js';
import { ABOVE_BANDWIDTH, forEachSetup } from './support/matrix.js';

afterEach(disposeAll);

const WRITER = 'writer-token-0123456789';
const READER = 'reader-token-0123456789';
const IMPLIED = 'implied-token-012345678';
const API_TOKENS = `${WRITER}:all, ${READER}:read, ${IMPLIED}`;
const CALLS = '{ calls { nodes { id } } }';

const MUTATIONS: Array<[string, string, Record<string, unknown>]> = [
  ['createCall', CREATE_CALL, { input: { from: FROM, to: ANSWERS } }],
  ['playAudio', PLAY_AUDIO, { input: { callId: 'call_x', fileUrl: file('x') } }],
  ['stopAudio', STOP_AUDIO, { callId: 'call_x' }],
  ['hangUpCall', HANG_UP, { callId: 'call_x' }],
  ['answerCall', ANSWER, { callId: 'call_x' }],
];

forEachSetup('API token scopes', ABOVE_BANDWIDTH, () => {
  it('let a read-only token query, and refuse every mutation it sends with FORBIDDEN (HTTP 200) before anything runs', async () => {
    const service = await startTestService({ API_TOKENS });
    for (const [field, document, variables] of MUTATIONS) {
      const { status, data, errors } = await service.gql(document, variables, READER);
      expect([field, status, data]).toEqual([field, 200, null]);
      expect(errors).toHaveLength(1);
      expect(errors![0]).toMatchObject({ path: [field], extensions: { code: 'FORBIDDEN' } });
      expect(errors![0]!.message).toMatch(/read-only/);
    }
    const calls = await service.gql(CALLS, {}, READER);
    expect(calls).toEqual({ status: 200, data: { calls: { nodes: [] } } });
  });

  it('let a token with scope all, written out or implied, change calls', async () => {
    const service = await startTestService({ API_TOKENS });
    for (const token of [WRITER, IMPLIED]) {
      const { errors, data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } }, token);
      expect(errors).toBeUndefined();
      expect(data!.createCall.id).toMatch(/^call_/);
    }
  });

  it('let a read-only token subscribe over WebSocket, and refuse its mutations there too', async () => {
    const service = await startTestService({ API_TOKENS });
    const reader = service.ws({ authorization: `Bearer ${READER}` });
    const socket = await holdSocketOpen(reader);
    const updates = new Subscription<{ callUpdated: CallView }>(reader, CALL_UPDATED);
    await service.waitForListeners(1);

    const refused = await wsExecute(reader, CREATE_CALL, { input: { from: FROM, to: ANSWERS } });
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({ path: ['createCall'], extensions: { code: 'FORBIDDEN' } });

    const { data } = await service.gql<{ createCall: CallView }>(CREATE_CALL, { input: { from: FROM, to: ANSWERS } }, WRITER);
    await updates.waitFor('the writer’s call', (item) => item.callUpdated.id === data!.createCall.id);
    expect(socket.connections()).toBe(1);
    expect(socket.closes()).toBe(0);
  });

  it('identify a caller by a short hash of its token, never by the token', () => {
    const tokens = loadConfig({ API_TOKENS }).apiTokens;
    const reader = identifyCaller(READER, '127.0.0.1', tokens)!;
    const writer = identifyCaller(WRITER, '127.0.0.1', tokens)!;
    expect(reader).toMatchObject({ tokenId: expect.stringMatching(/^[0-9a-f]{12}$/), scope: 'read', address: '127.0.0.1' });
    expect(reader.id).toBe(`token:${reader.tokenId}`);
    expect(writer.scope).toBe('all');
    expect(writer.tokenId).not.toBe(reader.tokenId);
    expect(identifyCaller(READER, '10.0.0.1', tokens)!.tokenId).toBe(reader.tokenId);
    expect(JSON.stringify([reader, writer])).not.toMatch(/token-0123456789/);
    expect(identifyCaller('unknown-token-0123456789', '127.0.0.1', tokens)).toBeUndefined();
    expect(identifyCaller(undefined, '127.0.0.1', [])).toEqual({ id: 'anonymous', tokenId: null, scope: 'all', address: '127.0.0.1' });
  });
});

forEachSetup('API_TOKENS', ABOVE_BANDWIDTH, () => {
  it('reads token, token:all and token:read', () => {
    expect(loadConfig({ API_TOKENS }).apiTokens).toEqual([
      { token: WRITER, scope: 'all' },
      { token: READER, scope: 'read' },
      { token: IMPLIED, scope: 'all' },
    ]);
  });

  it.each([
    ['an empty entry', `${WRITER},,${READER}`, /^API_TOKENS entry 2 is empty/],
    ['a trailing comma', `${WRITER},`, /^API_TOKENS entry 2 is empty/],
    ['an unknown scope', `${WRITER}:write`, /^API_TOKENS entry 1 has an unknown scope/],
    ['an empty scope', `${READER}:`, /^API_TOKENS entry 1 has an unknown scope/],
    ['a short token', 'short-token:read', /^API_TOKENS entries must be at least 16 characters long \(entry 1/],
    ['a token given twice', `${WRITER}:all,${WRITER}:read`, /^API_TOKENS entry 2 repeats an earlier token/],
  ])('stops start-up on %s, naming the variable and never echoing the token', (_name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ API_TOKENS: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/token-0123456789|short-token|:write/);
  });
});
