import type { SimCall } from '../core/sim-call.js';
import type { WebhookMethod } from './bxml-parser.js';

/** Where one kind of webhook goes, with the Basic credentials Bandwidth sends with it. */
export interface WebhookTarget {
  url: string;
  method: WebhookMethod;
  username?: string;
  password?: string;
  /** Tried once when the URL fails, with its own credentials. */
  fallbackUrl?: string;
  fallbackUsername?: string;
  fallbackPassword?: string;
}

/** One verb as the call executed it, for the control API: "file X played from t1 to t2, then Y". */
export interface ExecutedVerb {
  /** Counts the call's BXML documents from 1: a redirect or an update starts the next one. */
  document: number;
  verb: string;
  /** As written (the control API masks the passwords). */
  attributes: Record<string, string>;
  /** The URL of `<PlayAudio>` (resolved), the sentence of `<SpeakSentence>`, the text of `<Tag>`. */
  text?: string;
  startedAt: string;
  /** Absent while it runs. */
  endedAt?: string;
  /** How long it lasts when it is not cut short (ms), for the verbs that take time. */
  plannedMs?: number;
  /** `completed`, `interrupted` (a redirect or BXML update replaced the document) or `call-ended`. */
  outcome?: 'completed' | 'interrupted' | 'call-ended';
}

/** What the v2 API knows about one of its calls beyond the engine's `SimCall`. */
export interface V2CallData {
  accountId: string;
  applicationId: string;
  /** Outbound: the create request's `answerUrl`. */
  answer?: WebhookTarget;
  /** Inbound: the application's initiate URL. */
  initiate?: WebhookTarget;
  /** The create request's `disconnectUrl`, or the application's status URL for an inbound call. */
  disconnect?: WebhookTarget;
  /** As the create request gave them (`username`, `password` shown masked), for its 201 answer. */
  created?: Record<string, unknown>;
  enqueuedTime?: Date;
  /** Set before the call ends with an error cause. */
  errorMessage?: string;
  errorId?: string;
  executed: ExecutedVerb[];
  documents: number;
}

/** The v2 data of a call the v2 API created; calls of other versions have none. */
export function v2DataOf(call: SimCall): V2CallData | undefined {
  const data = call.data as Partial<V2CallData> | undefined;
  return data && Array.isArray(data.executed) ? (data as V2CallData) : undefined;
}

export function requireV2Data(call: SimCall): V2CallData {
  const data = v2DataOf(call);
  if (!data) throw new Error(`Call ${call.id} is not a v2 call`);
  return data;
}
