import type { CallService } from '../calls/call-service.js';
import type { CallStore } from '../calls/call-store.js';
import type { CallChangeBus } from './pubsub.js';

/** What every resolver gets: the domain, read access to the store, and the change bus. */
export interface Context {
  service: CallService;
  store: CallStore;
  bus: CallChangeBus;
}
