import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CallEngine } from '../core/call-engine.js';
import type { CallRateLimiter } from '../core/call-rate-limiter.js';
import type { RequestLog } from '../core/request-log.js';
import { inCallRecords, type SimulatorSettings } from '../core/settings.js';
import type { SimCall } from '../core/sim-call.js';
import { callNotFound, callRateLimited, cannotModify, unsupportedMediaType, V2ApiError, validationError } from './api-error.js';
import { parseCreateCall, parseListCallsQuery, parseUpdateCall, type CreateCallInput, type ListCallsQuery } from './api-schemas.js';
import type { V2Applications } from './applications.js';
import { BxmlError, parseBxml } from './bxml-parser.js';
import type { V2CallData } from './call-data.js';
import type { V2CallFormat } from './call-format.js';
import { v2Cause } from './causes.js';

export interface V2ApiRouteDependencies {
  engine: CallEngine;
  format: V2CallFormat;
  accountId: string;
  applications: V2Applications;
  requestLog: RequestLog;
  settings: SimulatorSettings;
  /** Shared with v1: one account's creates count in one window. */
  callRateLimiter: CallRateLimiter;
}

type CallRequest = FastifyRequest<{ Params: { callId: string } }>;

const CALLS = '/api/v2/accounts/:accountId/calls';
const ONE_CALL = `${CALLS}/:callId`;
const CALL_BXML = `${ONE_CALL}/bxml`;

/** Bandwidth's default `callTimeout` and `callbackTimeout` (seconds, §3.1). */
const DEFAULT_CALL_TIMEOUT = 30;
const DEFAULT_CALLBACK_TIMEOUT = 15;
const MASKED = '*****';

function masked(value: string | undefined): string | undefined {
  return value === undefined ? undefined : MASKED;
}

/** The create request echoed back as §3.3 shows it: passwords masked, defaults filled in. */
function createdView(input: CreateCallInput): Record<string, unknown> {
  return {
    callTimeout: input.callTimeout ?? DEFAULT_CALL_TIMEOUT,
    callbackTimeout: input.callbackTimeout ?? DEFAULT_CALLBACK_TIMEOUT,
    tag: input.tag,
    answerMethod: (input.answerMethod ?? 'post').toUpperCase(),
    answerUrl: input.answerUrl,
    answerFallbackMethod: (input.answerFallbackMethod ?? 'post').toUpperCase(),
    answerFallbackUrl: input.answerFallbackUrl,
    disconnectMethod: (input.disconnectMethod ?? 'post').toUpperCase(),
    disconnectUrl: input.disconnectUrl,
    username: input.username,
    password: masked(input.password),
    fallbackUsername: input.fallbackUsername,
    fallbackPassword: masked(input.fallbackPassword),
    priority: input.priority ?? 5,
  };
}

function callData(input: CreateCallInput, accountId: string): V2CallData {
  return {
    accountId,
    applicationId: input.applicationId,
    answer: {
      url: input.answerUrl,
      method: input.answerMethod ?? 'post',
      username: input.username,
      password: input.password,
      fallbackUrl: input.answerFallbackUrl,
      fallbackUsername: input.fallbackUsername,
      fallbackPassword: input.fallbackPassword,
    },
    // Bandwidth sends the create's credentials with the disconnect too, as far as its docs say (§8.3).
    disconnect:
      input.disconnectUrl === undefined ? undefined : { url: input.disconnectUrl, method: input.disconnectMethod ?? 'post', username: input.username, password: input.password },
    created: createdView(input),
    enqueuedTime: new Date(),
    executed: [],
    documents: 0,
  };
}

/** `completed` hangs up an answered call, cancels a ringing outbound one and rejects a ringing inbound one (§5.1). */
function completionCause(call: SimCall): string {
  if (call.state === 'active') return 'hangup';
  return call.direction === 'out' ? 'cancel' : 'rejected';
}

function listCalls(calls: SimCall[], query: ListCallsQuery): SimCall[] {
  return calls
    .map((call, order) => ({ call, order }))
    .filter(
      ({ call }) =>
        (query.to === undefined || call.to === query.to) &&
        (query.from === undefined || call.from === query.from) &&
        (query.minStartTime === undefined || call.startTime >= query.minStartTime) &&
        (query.maxStartTime === undefined || call.startTime <= query.maxStartTime) &&
        (query.disconnectCause === undefined || (call.ended && v2Cause(call.endCause) === query.disconnectCause)),
    )
    // Oldest first; creation order breaks ties within a millisecond.
    .sort((a, b) => a.call.startTime.getTime() - b.call.startTime.getTime() || a.order - b.order)
    .map(({ call }) => call);
}

/**
 * The v2 Voice API subset (bandwidth-v2.md §3–§6): create, list, get and update calls, and replace
 * a call's BXML. Authentication and the account are checked before any of these run.
 */
export function registerV2ApiRoutes(app: FastifyInstance, deps: V2ApiRouteDependencies): void {
  const { engine, format, accountId, applications, settings, callRateLimiter } = deps;

  const v2Calls = (): SimCall[] => engine.listCalls().filter((call) => call.format === format);
  const requireCall = (callId: string): SimCall => {
    const call = engine.getCall(callId);
    if (!call || call.format !== format) throw callNotFound(callId);
    return call;
  };

  app.post(CALLS, async (request, reply) => {
    const input = parseCreateCall(request.body);
    if (!applications.get(input.applicationId)) throw validationError(`Invalid applicationId: application ${input.applicationId} does not belong to account ${accountId}`);
    const excess = callRateLimiter.excess(settings.callRateLimit);
    if (excess) throw callRateLimited(Math.max(1, Math.ceil(excess.limit.perMs / 1000)));
    const callTimeout = input.callTimeout ?? DEFAULT_CALL_TIMEOUT;
    const plan = engine.farEndFor(input.to, callTimeout);
    if (plan.outcome === 'refuse') throw new V2ApiError(403, 'authorization-error', `Access is denied: calls to ${input.to} are not allowed`);
    const data = callData(input, accountId);
    const { call, ready } = engine.placeOutbound(
      {
        from: input.from,
        to: input.to,
        callTimeout,
        callbackHttpMethod: 'post',
        callbackTimeout: Math.round((input.callbackTimeout ?? DEFAULT_CALLBACK_TIMEOUT) * 1000),
        tag: input.tag,
        format,
        data,
      },
      plan,
    );
    callRateLimiter.recordCreate(settings.callRateLimit);
    const record = deps.requestLog.recordOf(request);
    if (record) record.callId = call.id;
    await ready;
    const callUrl = engine.callUri(call);
    return reply
      .code(201)
      .header('Location', callUrl)
      .send({
        applicationId: input.applicationId,
        accountId,
        callId: call.id,
        to: call.to,
        from: call.from,
        enqueuedTime: data.enqueuedTime?.toISOString(),
        callUrl,
        ...data.created,
      });
  });

  app.get(CALLS, async (request, reply) => {
    const query = parseListCallsQuery(request.query);
    const matching = listCalls(v2Calls().filter((call) => inCallRecords(call, settings)), query);
    const page = matching.slice(query.offset, query.offset + query.pageSize);
    const nextOffset = query.offset + page.length;
    if (nextOffset < matching.length) {
      const next = new URL(request.url, `http://${request.headers.host ?? '127.0.0.1'}`);
      next.searchParams.set('pageToken', String(nextOffset));
      reply.header('Link', `<${next.toString()}>; rel="next"`);
    }
    return page.map((call) => engine.apiView(call));
  });

  app.get(ONE_CALL, async (request: CallRequest) => {
    const call = requireCall(request.params.callId);
    if (!inCallRecords(call, settings)) throw callNotFound(call.id);
    return engine.apiView(call);
  });

  app.post(ONE_CALL, async (request: CallRequest, reply) => {
    const call = requireCall(request.params.callId);
    const update = parseUpdateCall(request.body);
    if (call.ended) throw cannotModify(call.id);
    if (update.state === 'completed') {
      void engine.end(call, completionCause(call));
      return reply.code(200).send();
    }
    // A call that has yet to be answered cannot be redirected (§5.2).
    if (call.state !== 'active') throw cannotModify(call.id);
    if (update.tag !== undefined) call.tag = update.tag === '' ? undefined : update.tag;
    format.runnerOf(call).redirect({
      url: update.redirectUrl!,
      method: update.redirectMethod ?? 'post',
      username: update.username,
      password: update.password,
      fallbackUrl: update.redirectFallbackUrl,
      fallbackUsername: update.fallbackUsername,
      fallbackPassword: update.fallbackPassword,
    });
    return reply.code(200).send();
  });

  app.put(CALL_BXML, async (request: CallRequest, reply) => {
    const call = requireCall(request.params.callId);
    const contentType = request.headers['content-type'];
    if (typeof request.body !== 'string' || !/^application\/xml\b/i.test(contentType ?? '')) throw unsupportedMediaType(contentType);
    let document;
    try {
      document = parseBxml(request.body, { root: 'Bxml' });
    } catch (error) {
      if (error instanceof BxmlError) throw validationError(`Invalid BXML: ${error.message}`);
      throw error;
    }
    if (call.ended || call.state !== 'active') throw cannotModify(call.id);
    format.runnerOf(call).start(document);
    return reply.code(204).send();
  });

  // Known paths with a method they do not take: 405, as the spec lists for every operation.
  const notAllowed = async (): Promise<never> => {
    throw new V2ApiError(405, 'validation', 'Method Not Allowed');
  };
  app.route({ method: ['PUT', 'PATCH', 'DELETE'], url: CALLS, handler: notAllowed });
  app.route({ method: ['PUT', 'PATCH', 'DELETE'], url: ONE_CALL, handler: notAllowed });
  app.route({ method: ['GET', 'POST', 'PATCH', 'DELETE'], url: CALL_BXML, handler: notAllowed });
}
