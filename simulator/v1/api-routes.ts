import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAbsoluteHttpUrl, withoutCredentials } from '../core/callback-url.js';
import type { AudioKind, CallEngine } from '../core/call-engine.js';
import type { CallRateLimiter } from '../core/call-rate-limiter.js';
import { mediaDurationMs } from '../core/media-duration.js';
import type { RequestLog } from '../core/request-log.js';
import { inCallRecords, type SimulatorSettings } from '../core/settings.js';
import type { AudioRequestRecord, SimCall } from '../core/sim-call.js';
import {
  ApiError,
  callAudioInvalidState,
  callInvalidState,
  callNotFound,
  callRateLimited,
} from './api-error.js';
import {
  parseAudioRequest,
  parseCallUpdate,
  parseCreateCall,
  parseListCallsQuery,
  type AudioRequest,
  type ListCallsQuery,
} from './api-schemas.js';
import { apiCallView } from './call-view.js';

export interface ApiRouteDependencies {
  engine: CallEngine;
  requestLog: RequestLog;
  settings: SimulatorSettings;
  callRateLimiter: CallRateLimiter;
}

type CallRequest = FastifyRequest<{ Params: { callId: string } }>;

const USER_CALLS = '/v1/users/:userId/calls';
const ONE_CALL = `${USER_CALLS}/:callId`;

/**
 * The v1 Voice API subset: calls (create, read, list, update), their audio and their event log.
 * Authentication and user ownership are checked before any of these run.
 */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRouteDependencies): void {
  const { engine, settings, callRateLimiter } = deps;

  const requireCall = (callId: string): SimCall => {
    const call = engine.getCall(callId);
    if (!call) throw callNotFound(callId);
    return call;
  };

  app.post(USER_CALLS, async (request, reply) => {
    const input = parseCreateCall(request.body);
    const excess = callRateLimiter.excess(settings.callRateLimit);
    if (excess) throw callRateLimited(excess);
    const plan = engine.farEndFor(input.to, input.callTimeout);
    if (plan.outcome === 'refuse') {
      throw new ApiError(403, 'forbidden', 'invalid-call-to-number', `Calls to ${input.to} are not allowed`);
    }
    const { call, ready } = engine.placeOutbound(input, plan);
    callRateLimiter.recordCreate(settings.callRateLimit);
    const record = deps.requestLog.recordOf(request);
    if (record) record.callId = call.id;
    await ready;
    return reply.code(201).header('Location', engine.callUri(call)).send();
  });

  app.get(USER_CALLS, async (request) => {
    const query = parseListCallsQuery(request.query);
    return listCalls(engine, query, settings).map((call) => apiCallView(call, engine.callUri(call)));
  });

  app.get(ONE_CALL, async (request: CallRequest) => {
    const call = requireCall(request.params.callId);
    if (!inCallRecords(call, settings)) throw callNotFound(call.id);
    return apiCallView(call, engine.callUri(call));
  });

  app.post(ONE_CALL, async (request: CallRequest, reply) => {
    const call = requireCall(request.params.callId);
    const update = parseCallUpdate(request.body);
    // Check first, so a refused state change leaves the tag and callbackUrl untouched too.
    if (update.state !== undefined) checkStateChange(call, update.state);
    if (update.callbackUrl !== undefined) call.callbackUrl = update.callbackUrl;
    if (update.tag !== undefined) call.tag = update.tag;
    if (update.state !== undefined) changeState(engine, call, update.state);
    return reply.code(200).send();
  });

  app.post(`${ONE_CALL}/audio`, async (request: CallRequest, reply: FastifyReply) => {
    const call = requireCall(request.params.callId);
    const record: AudioRequestRecord = { at: new Date().toISOString(), body: request.body, status: 200 };
    call.audioRequests.push(record);
    try {
      applyAudio(deps, call, parseAudioRequest(request.body));
    } catch (error) {
      if (error instanceof ApiError) Object.assign(record, { status: error.status, code: error.code });
      throw error;
    }
    return reply.code(200).send();
  });

  app.get(`${ONE_CALL}/events`, async (request: CallRequest) => requireCall(request.params.callId).log);

  app.get(`${ONE_CALL}/events/:eventId`, async (request: FastifyRequest<{ Params: { callId: string; eventId: string } }>) => {
    const { callId, eventId } = request.params;
    const entry = requireCall(callId).log.find((candidate) => candidate.id === eventId);
    if (!entry) throw new ApiError(404, 'not-found', 'resource-not-found', `The call event ${eventId} could not be found`);
    return entry;
  });
}

function listCalls(engine: CallEngine, query: ListCallsQuery, settings: SimulatorSettings): SimCall[] {
  // The simulator has no bridges or conferences, so nothing is in one.
  if (query.inBridgeOrConference) return [];
  const direction = query.sortOrder === 'asc' ? 1 : -1;
  return engine
    .listCalls()
    .map((call, order) => ({ call, order }))
    .filter(
      ({ call }) =>
        inCallRecords(call, settings) && (query.from === undefined || call.from === query.from) && (query.to === undefined || call.to === query.to),
    )
    // Creation order breaks ties between calls started in the same millisecond.
    .sort((a, b) => direction * (a.call.startTime.getTime() - b.call.startTime.getTime() || a.order - b.order))
    .slice(query.page * query.size, (query.page + 1) * query.size)
    .map(({ call }) => call);
}

type RequestedState = 'active' | 'rejected' | 'completed';

function checkStateChange(call: SimCall, state: RequestedState): void {
  if (call.ended) throw callInvalidState(`You can't update the call's state after being set to ${call.state}`);
  const ringingIncoming = call.direction === 'in' && call.state === 'started';
  if (state !== 'completed' && !ringingIncoming) {
    const kind = call.direction === 'in' ? 'an incoming' : 'an outbound';
    const verb = state === 'active' ? 'answered' : 'rejected';
    throw callInvalidState(`Only a ringing incoming call can be ${verb}; call ${call.id} is ${kind} call in state ${call.state}`);
  }
}

/** Why the app's hang-up ended the call, as the `hangup` event reports it. */
function appHangupCause(call: SimCall): string {
  if (call.state === 'active') return 'NORMAL_CLEARING';
  return call.direction === 'out' ? 'ORIGINATOR_CANCEL' : 'CALL_REJECTED';
}

function changeState(engine: CallEngine, call: SimCall, state: RequestedState): void {
  // The response does not wait for the callbacks: v1 answers the request and reports events later.
  if (state === 'active') void engine.answer(call);
  else if (state === 'rejected') void engine.end(call, 'CALL_REJECTED', 'rejected');
  else void engine.end(call, appHangupCause(call));
}

function stopAudio(engine: CallEngine, call: SimCall, kind: AudioKind): void {
  if (!engine.stopAudio(call, kind)) throw callAudioInvalidState(call.id, 'The audio has already finished or does not exist.');
}

function applyAudio(deps: ApiRouteDependencies, call: SimCall, audio: AudioRequest): void {
  const { engine, settings } = deps;
  if (call.state !== 'active') throw callAudioInvalidState(call.id, `The call is ${call.state}, not active.`);
  if (audio.kind === 'speak') {
    if (audio.sentence === '') return stopAudio(engine, call, 'speak');
    engine.playAudio(call, 'speak', { source: audio.sentence, tag: audio.tag, loop: audio.loop, durationMs: settings.playbackDurationMs });
    return;
  }
  if (audio.fileUrl === '') return stopAudio(engine, call, 'playback');
  if (!isAbsoluteHttpUrl(audio.fileUrl)) {
    throw new ApiError(403, 'forbidden', 'media-invalid-url', `The media URL ${withoutCredentials(audio.fileUrl)} is not valid`);
  }
  const durationMs = mediaDurationMs(audio.fileUrl, settings.playbackDurationMs);
  engine.playAudio(call, 'playback', { source: audio.fileUrl, tag: audio.tag, loop: audio.loop, durationMs });
}
