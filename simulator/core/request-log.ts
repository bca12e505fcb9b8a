import type { ApiFaultType } from './api-faults.js';

/** One API request as the control API reports it. */
interface ApiRequestRecord {
  method: string;
  /** Without the query string. */
  path: string;
  query?: string;
  /** The parsed JSON body, or the raw text when it was not valid JSON. */
  body?: unknown;
  /**
   * Absent while the request is still being handled, and for good after a `reset` fault. After a
   * `reset-after-processing` fault it is the answer the client never received.
   */
  status?: number;
  at: string;
  /** The call the request was about (for a create: the call it created). */
  callId?: string;
  /** The injected fault that affected the request, if any. */
  fault?: ApiFaultType;
}

interface RequestFilter {
  callId?: string;
  /** Keeps requests whose path contains this text (e.g. `/audio`). */
  path?: string;
}

/** v1 ids are lower-case base32, v2 ones hex groups with dashes. */
const CALL_ID_IN_PATH = /\/calls\/(c-[a-z0-9-]+)/;

/**
 * Every API request in arrival order, so tests can assert what the service asked Bandwidth for
 * (e.g. that it posted audio exactly once).
 */
export class RequestLog {
  private records: ApiRequestRecord[] = [];
  private readonly byRequest = new WeakMap<object, ApiRequestRecord>();

  /** Starts the record of a request; `request` is only a key to find the record again. */
  begin(request: object, method: string, url: string): ApiRequestRecord {
    const [path, query] = splitUrl(url);
    const record: ApiRequestRecord = { method, path, query, at: new Date().toISOString(), callId: CALL_ID_IN_PATH.exec(path)?.[1] };
    this.records.push(record);
    this.byRequest.set(request, record);
    return record;
  }

  recordOf(request: object): ApiRequestRecord | undefined {
    return this.byRequest.get(request);
  }

  list(filter: RequestFilter = {}): ApiRequestRecord[] {
    return this.records.filter(
      (record) =>
        (filter.callId === undefined || record.callId === filter.callId) &&
        (filter.path === undefined || record.path.includes(filter.path)),
    );
  }

  clear(): void {
    this.records = [];
  }
}

function splitUrl(url: string): [string, string | undefined] {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? [url, undefined] : [url.slice(0, queryStart), url.slice(queryStart + 1)];
}
