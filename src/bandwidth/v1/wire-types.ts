/** The v1 API's resources as its responses carry them (numbers refer to the v1 reference's sections). */

/** Call states of §3.2; other strings are let through so a new state does not break reads. */
export type BandwidthCallState = 'started' | 'active' | 'rejected' | 'completed' | 'transferring';

/** A call resource as `GET /calls/{callId}` returns it (§3.1). Only `id` and `state` are guaranteed. */
export interface BandwidthCall {
  id: string;
  state: BandwidthCallState | (string & {});
  direction?: 'in' | 'out' | (string & {});
  from?: string;
  to?: string;
  startTime?: string;
  activeTime?: string;
  endTime?: string;
  callTimeout?: number;
  callbackUrl?: string;
  callbackHttpMethod?: string;
  callbackTimeout?: number;
  fallbackUrl?: string;
  chargeableDuration?: number;
  bridgeId?: string;
  bridge?: string;
  conferenceId?: string;
  conference?: string;
  events?: string;
  recordings?: string;
  transcriptions?: string;
  recordingEnabled?: boolean;
  recordingFileFormat?: string;
  recordingMaxDuration?: number;
  transcriptionEnabled?: boolean;
  tag?: string;
  sipHeaders?: Record<string, string>;
  transferTo?: string;
  transferCallerId?: string;
  whisperAudio?: Record<string, unknown>;
}

/** Query of `GET /calls` (§3.3). */
export interface ListCallsQuery {
  /** Zero-based page, default 0 on Bandwidth's side. */
  page?: number;
  /** Page size, default 25, at most 1000. */
  size?: number;
  /** By `startTime`; Bandwidth's default is `desc`. */
  sortOrder?: 'asc' | 'desc';
  /** Only calls from this number (E.164; the `+` is escaped for you). */
  from?: string;
  /** Only calls to this number or SIP address. */
  to?: string;
}

/** One entry of a call's internal event log (§3.4) — not a webhook payload. */
export interface BandwidthCallEvent {
  id: string;
  /** As sent: ISO 8601 text or epoch milliseconds. */
  time?: string | number;
  name: string;
  /** `start`/`done`, a hangup cause, or JSON text; non-text values are re-encoded as JSON. */
  data?: string;
}

