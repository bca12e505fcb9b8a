import type { WebhookMethod } from './bxml-parser.js';
import type { WebhookTarget } from './call-data.js';

/**
 * A Voice application of the simulated account (bandwidth-v2.md §9): outbound calls name one, and
 * inbound calls are announced to its initiate URL with its credentials.
 */
export interface V2Application {
  applicationId: string;
  /** `CallInitiatedCallbackUrl`: receives `initiate`. */
  callInitiatedCallbackUrl?: string;
  callInitiatedMethod: WebhookMethod;
  callInitiatedFallbackUrl?: string;
  /** `CallStatusCallbackUrl`: receives the `disconnect` of inbound calls. */
  callStatusCallbackUrl?: string;
  callStatusMethod: WebhookMethod;
  /** `CallbackCreds`: Basic credentials for those webhooks. */
  username?: string;
  password?: string;
  /** Seconds the receiver may take per webhook (Bandwidth's default 15). */
  callbackTimeout: number;
}

export type V2ApplicationConfig = Partial<Omit<V2Application, 'applicationId'>>;

const DEFAULTS = { callInitiatedMethod: 'post', callStatusMethod: 'post', callbackTimeout: 15 } as const;

/** The account's applications, changed through `PUT /control/v2/applications/{id}`. */
export class V2Applications {
  private readonly applications = new Map<string, V2Application>();

  constructor(ids: readonly string[], first: V2ApplicationConfig = {}) {
    ids.forEach((applicationId, index) => this.configure(applicationId, index === 0 ? first : {}));
  }

  get ids(): string[] {
    return [...this.applications.keys()];
  }

  get(applicationId: string): V2Application | undefined {
    return this.applications.get(applicationId);
  }

  /** Creates the application or replaces its whole configuration. */
  configure(applicationId: string, config: V2ApplicationConfig): V2Application {
    const application: V2Application = { ...DEFAULTS, ...config, applicationId };
    this.applications.set(applicationId, application);
    return application;
  }

  /** For the control API, which shows them without their credentials (`redactSecrets`). */
  list(): V2Application[] {
    return [...this.applications.values()];
  }
}

export function initiateTarget(application: V2Application, url: string | undefined): WebhookTarget | undefined {
  const target = url ?? application.callInitiatedCallbackUrl;
  if (target === undefined) return undefined;
  return {
    url: target,
    method: application.callInitiatedMethod,
    username: application.username,
    password: application.password,
    fallbackUrl: application.callInitiatedFallbackUrl,
    fallbackUsername: application.username,
    fallbackPassword: application.password,
  };
}

export function statusTarget(application: V2Application): WebhookTarget | undefined {
  if (application.callStatusCallbackUrl === undefined) return undefined;
  return { url: application.callStatusCallbackUrl, method: application.callStatusMethod, username: application.username, password: application.password };
}
