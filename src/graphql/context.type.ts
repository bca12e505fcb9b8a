import type { CallService } from '../calls/call-service.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from '../change-bus/call-change-bus.js';
import type { TokenScope } from '../config.js';
import type { CallEventFeeds } from './call-event-feed.js';

/** What the service shares with every request: the domain, read access to the store, the change bus. */
export interface ServiceContext {
  service: CallService;
  store: CallStore;
  bus: CallChangeBus;
  /** The shared per-call feeds behind `callEvents`. */
  eventFeeds: CallEventFeeds;
}

/** Who sent an operation, as established from its API token (or its address when the API is open). */
export interface Caller {
  /**
   * A stable name for the caller, safe to log and to store: `token:<tokenId>`, or `anonymous`
   * when the API is open. Idempotency keys and rate limits are kept per caller.
   */
  id: string;
  /** A short hash of the API token, never the token itself; null when the API is open. */
  tokenId: string | null;
  /** What the token may do; an open API (simulator mode) allows everything. */
  scope: TokenScope;
  /** The remote address, which is all that tells anonymous callers apart. */
  address: string;
}

/** What every resolver gets: the service's context plus who is asking. */
export interface Context extends ServiceContext {
  caller: Caller;
}
