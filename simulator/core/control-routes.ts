import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withoutCredentials } from './callback-url.js';
import type { CallEngine } from './call-engine.js';
import type { ApiFaults } from './api-faults.js';
import type { CallbackFaults } from './callback-faults.js';
import type { CallRateLimiter } from './call-rate-limiter.js';
import { controlCallView } from './control-call-view.js';
import { ControlError, requireCall as findCall } from './control-error.js';
import {
  parseDtmf,
  parseFarEndHangup,
  parseIncomingCall,
  parseRequestsQuery,
  parseScript,
  parseSettingsPatch,
  type IncomingCallInput,
  type SettingsPatch,
} from './control-schemas.js';
import type { RequestLog } from './request-log.js';
import type { SimulatorSettings } from './settings.js';
import type { SimCall } from './sim-call.js';

export interface ControlRouteDependencies {
  engine: CallEngine;
  requestLog: RequestLog;
  /** Changed in place, so running calls see new settings where they apply. */
  settings: SimulatorSettings;
  /** Cleared by a reset, like every other fault. */
  apiFaults: ApiFaults;
  callbackFaults: CallbackFaults;
  callRateLimiter: CallRateLimiter;
  /**
   * How the other API versions announce an injected incoming call (`api` in the body), by name;
   * v1's is built in. Resolves with the answer once the announcement's delivery is over.
   */
  incomingCalls?: Record<string, (incoming: IncomingCallInput) => Promise<{ callId: string; callUri: string }>>;
}

type CallRequest = FastifyRequest<{ Params: { callId: string } }>;

function settingsView(settings: SimulatorSettings): SimulatorSettings {
  const incomingCallUrl = settings.incomingCallUrl === undefined ? undefined : withoutCredentials(settings.incomingCallUrl);
  return { ...settings, incomingCallUrl };
}

function applySettings(settings: SimulatorSettings, patch: SettingsPatch): void {
  const { incomingCallUrl, ...others } = patch;
  Object.assign(settings, Object.fromEntries(Object.entries(others).filter(([, value]) => value !== undefined)));
  if (incomingCallUrl === null) delete settings.incomingCallUrl;
  else if (incomingCallUrl !== undefined) settings.incomingCallUrl = incomingCallUrl;
}

function invalidState(call: SimCall, expectation: string): ControlError {
  return new ControlError(409, 'invalid-state', `Call ${call.id} is ${call.direction === 'in' ? 'incoming' : 'outbound'} and ${call.state}; ${expectation}`);
}

/**
 * The test hook: change settings, script far ends, drive calls from the far end, and inspect what
 * the service sent and what the simulator delivered. Actions that cause callbacks answer once those
 * deliveries are over, so a test can assert right after the response.
 */
export function registerControlRoutes(app: FastifyInstance, deps: ControlRouteDependencies): void {
  const { engine, requestLog, settings, apiFaults, callbackFaults, callRateLimiter } = deps;

  const requireCall = (callId: string): SimCall => findCall(engine, callId);
  const view = (call: SimCall) => controlCallView(call, engine.callUri(call), engine.apiView(call));

  app.get('/control/settings', async () => settingsView(settings));

  app.patch('/control/settings', async (request) => {
    const patch = parseSettingsPatch(request.body);
    applySettings(settings, patch);
    // A new limit counts from a clean window, so a test's limit is not spent by earlier tests.
    if (patch.callRateLimit !== undefined) callRateLimiter.clear();
    return settingsView(settings);
  });

  app.get('/control/scripts', async () => engine.listScripts());

  app.put('/control/scripts/:to', async (request: FastifyRequest<{ Params: { to: string } }>) => {
    const { to } = request.params;
    const script = parseScript(to, request.body);
    engine.setScript(to, script);
    return { to, script };
  });

  app.delete('/control/scripts/:to', async (request: FastifyRequest<{ Params: { to: string } }>, reply) => {
    const { to } = request.params;
    if (!engine.deleteScript(to)) throw new ControlError(404, 'script-not-found', `No script for ${to}`);
    return reply.code(204).send();
  });

  app.get('/control/calls', async () => engine.listCalls().map(view));

  app.get('/control/calls/:callId', async (request: CallRequest) => view(requireCall(request.params.callId)));

  app.get('/control/requests', async (request) => requestLog.list(parseRequestsQuery(request.query)));

  app.get('/control/calls/:callId/callbacks', async (request: CallRequest) => requireCall(request.params.callId).callbacks.attempts);

  app.post(
    '/control/calls/:callId/callbacks/:index/redeliver',
    async (request: FastifyRequest<{ Params: { callId: string; index: string } }>) => {
      const call = requireCall(request.params.callId);
      if (call.callbacks.holding) {
        throw new ControlError(409, 'callbacks-held', `Call ${call.id}'s callbacks are held; release them first (POST /control/calls/${call.id}/release)`);
      }
      const index = /^\d+$/.test(request.params.index) ? Number(request.params.index) : -1;
      const redelivery = engine.redeliver(call, index);
      if (!redelivery) throw new ControlError(404, 'callback-not-found', `Call ${call.id} has no callback attempt ${request.params.index}`);
      return { attempts: await redelivery };
    },
  );

  app.post('/control/calls/:callId/answer', async (request: CallRequest) => {
    const call = requireCall(request.params.callId);
    if (call.direction !== 'out' || call.state !== 'started') {
      throw invalidState(call, 'only a ringing outbound call can be answered by the far end (the app answers incoming calls)');
    }
    await engine.answer(call);
    return view(call);
  });

  app.post('/control/calls/:callId/hangup', async (request: CallRequest) => {
    const call = requireCall(request.params.callId);
    const { cause } = parseFarEndHangup(request.body);
    if (call.ended) throw invalidState(call, 'it has already ended');
    await engine.end(call, cause);
    return view(call);
  });

  app.post('/control/calls/:callId/dtmf', async (request: CallRequest) => {
    const call = requireCall(request.params.callId);
    const { digit } = parseDtmf(request.body);
    if (call.state !== 'active') throw invalidState(call, 'digits can only be pressed on an active call');
    await engine.pressDigit(call, digit);
    return view(call);
  });

  app.post('/control/incoming', async (request, reply) => {
    const incoming = parseIncomingCall(request.body);
    const receive = incoming.api === undefined || incoming.api === 'v1' ? undefined : deps.incomingCalls?.[incoming.api];
    if (receive) return reply.code(201).send(await receive(incoming));
    const url = incoming.url ?? settings.incomingCallUrl;
    if (url === undefined) {
      throw new ControlError(400, 'no-incoming-call-url', 'Give url, or configure incomingCallUrl, to say where the incoming call is announced');
    }
    const { call, delivered } = engine.receiveIncoming({ from: incoming.from, to: incoming.to, url });
    await delivered;
    return reply.code(201).send({ callId: call.id, callUri: engine.callUri(call) });
  });

  app.post('/control/reset', async (_request, reply) => {
    engine.reset();
    requestLog.clear();
    // Faults go too, so one test's misbehaving simulator cannot fail the next test. Settings stay,
    // except the call rate limit, which is a fault a test turned on.
    apiFaults.clear();
    callbackFaults.clear();
    settings.callRateLimit = null;
    callRateLimiter.clear();
    return reply.code(204).send();
  });
}
