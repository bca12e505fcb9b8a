import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiFaults } from './api-faults.js';
import type { CallEngine } from './call-engine.js';
import type { CallbackFaults } from './callback-faults.js';
import { ControlError, requireCall } from './control-error.js';
import { parseApiFaultRules, parseCallbackFaults, parseReleaseOrder } from './fault-schemas.js';

export interface FaultRouteDependencies {
  engine: CallEngine;
  apiFaults: ApiFaults;
  callbackFaults: CallbackFaults;
}

type CallRequest = FastifyRequest<{ Params: { callId: string } }>;

/**
 * Fault injection through the control API: API requests that fail, drop or answer late;
 * callbacks that are duplicated, late or retried differently; and one call's callbacks held back
 * and released in any order. `POST /control/reset` clears all of it.
 */
export function registerFaultRoutes(app: FastifyInstance, deps: FaultRouteDependencies): void {
  const { engine, apiFaults, callbackFaults } = deps;

  app.get('/control/faults/api', async () => apiFaults.list());

  app.put('/control/faults/api', async (request) => {
    apiFaults.replace(parseApiFaultRules(request.body));
    return apiFaults.list();
  });

  app.delete('/control/faults/api', async (_request, reply) => {
    apiFaults.clear();
    return reply.code(204).send();
  });

  app.get('/control/faults/callbacks', async () => callbackFaults.view());

  app.put('/control/faults/callbacks', async (request) => {
    callbackFaults.set(parseCallbackFaults(request.body));
    return callbackFaults.view();
  });

  app.delete('/control/faults/callbacks', async (_request, reply) => {
    callbackFaults.clear();
    return reply.code(204).send();
  });

  app.post('/control/calls/:callId/hold', async (request: CallRequest) => {
    const call = requireCall(engine, request.params.callId);
    call.callbacks.hold();
    return { callId: call.id, holding: true, held: call.callbacks.heldCallbacks };
  });

  app.get('/control/calls/:callId/held', async (request: CallRequest) => requireCall(engine, request.params.callId).callbacks.heldCallbacks);

  app.post('/control/calls/:callId/release', async (request: CallRequest) => {
    const call = requireCall(engine, request.params.callId);
    if (!call.callbacks.holding) {
      throw new ControlError(409, 'not-held', `Call ${call.id}'s callbacks are not held (POST /control/calls/${call.id}/hold first)`);
    }
    const order = parseReleaseOrder(request.body, call.callbacks.heldCallbacks.length);
    return { attempts: await call.callbacks.release(order) };
  });
}
