import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAbsoluteHttpUrl } from '../core/callback-url.js';
import type { CallEngine } from '../core/call-engine.js';
import { ControlError } from '../core/control-error.js';
import { BODY_NOT_OBJECT, parseOrThrow, type IncomingCallInput } from '../core/control-schemas.js';
import { initiateTarget, statusTarget, type V2ApplicationConfig, type V2Applications } from './applications.js';
import type { V2CallData } from './call-data.js';
import type { V2CallFormat } from './call-format.js';
import type { OAuthTokens } from './oauth-tokens.js';

export interface V2ControlDependencies {
  engine: CallEngine;
  format: V2CallFormat;
  accountId: string;
  applications: V2Applications;
  tokens: OAuthTokens;
}

const httpUrl = (field: string) =>
  z.string({ error: `${field} must be a string` }).refine(isAbsoluteHttpUrl, `${field} must be an absolute http(s) URL`);
const method = (field: string) =>
  z
    .string({ error: `${field} must be GET or POST` })
    .regex(/^(get|post)$/i, `${field} must be GET or POST`)
    .transform((value) => value.toLowerCase() as 'get' | 'post');

const applicationSchema = z
  .object(
    {
      callInitiatedCallbackUrl: httpUrl('callInitiatedCallbackUrl').optional(),
      callInitiatedMethod: method('callInitiatedMethod').optional(),
      callInitiatedFallbackUrl: httpUrl('callInitiatedFallbackUrl').optional(),
      callStatusCallbackUrl: httpUrl('callStatusCallbackUrl').optional(),
      callStatusMethod: method('callStatusMethod').optional(),
      username: z.string({ error: 'username must be a string' }).optional(),
      password: z.string({ error: 'password must be a string' }).optional(),
      callbackTimeout: z.number({ error: 'callbackTimeout must be a number of seconds from 1 to 25' }).min(1).max(25).optional(),
    },
    BODY_NOT_OBJECT,
  )
  .strict();

/** Announces an injected inbound v2 call (`POST /control/incoming` with `api: "v2"`) to its application. */
export function v2IncomingCalls(deps: V2ControlDependencies): (incoming: IncomingCallInput) => Promise<{ callId: string; callUri: string }> {
  const { engine, format, accountId, applications } = deps;
  return async (incoming) => {
    const applicationId = incoming.applicationId ?? applications.ids[0];
    const application = applications.get(applicationId);
    if (!application) throw new ControlError(400, 'unknown-application', `No v2 application ${applicationId} (PUT /control/v2/applications/${applicationId} first)`);
    const initiate = initiateTarget(application, incoming.url);
    if (!initiate) {
      throw new ControlError(400, 'no-initiate-url', `Give url, or configure callInitiatedCallbackUrl for application ${applicationId}, to say where the call is announced`);
    }
    const data: V2CallData = { accountId, applicationId, initiate, disconnect: statusTarget(application), executed: [], documents: 0 };
    const { call, delivered } = engine.receiveIncoming({
      from: incoming.from,
      to: incoming.to,
      format,
      data,
      callbackTimeoutMs: Math.round(application.callbackTimeout * 1000),
    });
    await delivered;
    return { callId: call.id, callUri: engine.callUri(call) };
  };
}

/**
 * The control API's v2 additions: the account's applications (where inbound calls are announced,
 * with which credentials) and the OAuth tokens issued (listed, revoked).
 */
export function registerV2ControlRoutes(app: FastifyInstance, deps: V2ControlDependencies): void {
  const { applications, tokens, accountId } = deps;

  app.get('/control/v2', async () => ({ accountId, applications: applications.list() }));

  app.get('/control/v2/applications', async () => applications.list());

  app.put('/control/v2/applications/:applicationId', async (request: FastifyRequest<{ Params: { applicationId: string } }>) => {
    const config = parseOrThrow(applicationSchema, request.body ?? {}) as V2ApplicationConfig;
    return applications.configure(request.params.applicationId, config);
  });

  app.get('/control/oauth/tokens', async () => tokens.list());

  app.delete('/control/oauth/tokens', async () => ({ revoked: tokens.revokeAll() }));

  app.delete('/control/oauth/tokens/:token', async (request: FastifyRequest<{ Params: { token: string } }>, reply) => {
    if (!tokens.revoke(request.params.token)) throw new ControlError(404, 'token-not-found', 'No such token was issued');
    return reply.code(204).send();
  });
}
