/**
 * Faults injected into API requests (`PUT /control/faults/api`), so the service's reliability
 * tests can make Bandwidth fail, drop connections or answer late, deterministically.
 */

/**
 * The fields of an error body a rule may set; the rest come from the status's default. v1 bodies
 * take `category`, `code`, `message`; v2 ones `type`, `description`, `id`. Each ignores the others.
 */
export interface InjectedErrorFields {
  category?: string;
  code?: string;
  message?: string;
  type?: string;
  description?: string;
  id?: string | null;
}

export type ApiFaultAction =
  | {
      /** Answers with this status and the API's error body. */
      type: 'status';
      status: number;
      body?: InjectedErrorFields;
      headers?: Record<string, string>;
      /** For status 429: v1's `X-RateLimit-Reset` is now plus this many ms (default 200); v2's `Retry-After` its seconds. */
      resetAfterMs?: number;
      /**
       * `false` (default): the request is not processed. `true`: it takes full effect and only its
       * answer is replaced by the error, as when Bandwidth fails after it has placed a call.
       */
      process?: boolean;
    }
  /** Destroys the connection without answering; the request is not processed. */
  | { type: 'reset' }
  /**
   * Processes the request fully, then destroys the connection instead of answering: the client
   * cannot know whether, say, its call was created, which is the case idempotency must survive.
   */
  | { type: 'reset-after-processing' }
  | {
      /** Answers `delayMs` late. */
      type: 'delay';
      delayMs: number;
      /**
       * `true` (default): the request takes effect at once and only the answer is late, so a client
       * that times out cannot know the outcome. `false`: it takes effect when the answer goes out.
       */
      process?: boolean;
    };

export type ApiFaultType = ApiFaultAction['type'];

export type StatusFaultAction = Extract<ApiFaultAction, { type: 'status' }>;

export interface ApiFaultRule {
  /** `v1` or `v2`: only that API version's requests; omitted matches both. */
  api?: string;
  /** HTTP method, any case; omitted matches every method. */
  method?: string;
  /**
   * Text the request path after the user or account (`/v1/users/{userId}`) must contain (`/audio`, `calls`); a trailing
   * `$` means the path must end with it instead (`/calls$`: create and list, not a call's update or
   * audio, which substrings alone could not tell apart). Omitted matches every path.
   */
  path?: string;
  /** How many matching requests the rule affects; omitted means every one. */
  times?: number;
  action: ApiFaultAction;
}

/** A rule as the control API shows it, with what is left of it. */
interface ApiFaultRuleView extends ApiFaultRule {
  /** Requests it will still affect; `null` when unlimited. */
  remaining: number | null;
  /** Requests it has affected so far. */
  applied: number;
}

interface ArmedRule {
  rule: ApiFaultRule;
  remaining: number;
  applied: number;
}

function pathMatches(pattern: string | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('$') ? path.endsWith(pattern.slice(0, -1)) : path.includes(pattern);
}

/** The ordered list of API fault rules and how much of each is left. */
export class ApiFaults {
  private rules: ArmedRule[] = [];

  /** Replaces the whole list: a test states the faults it wants, not a change to earlier ones. */
  replace(rules: ApiFaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, applied: 0 }));
  }

  clear(): void {
    this.rules = [];
  }

  list(): ApiFaultRuleView[] {
    return this.rules.map(({ rule, remaining, applied }) => ({
      ...rule,
      remaining: Number.isFinite(remaining) ? remaining : null,
      applied,
    }));
  }

  /**
   * The action for a request, counted against its rule: the first rule that matches and has
   * requests left wins. Undefined when no rule applies.
   *
   * @param faultPath the part of the request path rules match (see `ApiVersion.faultPathOf`)
   */
  take(method: string, faultPath: string, api?: string): ApiFaultAction | undefined {
    const armed = this.rules.find(
      ({ rule, remaining }) =>
        remaining > 0 &&
        (rule.api === undefined || rule.api === api) &&
        (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
        pathMatches(rule.path, faultPath),
    );
    if (!armed) return undefined;
    armed.remaining -= 1;
    armed.applied += 1;
    return armed.rule.action;
  }
}
