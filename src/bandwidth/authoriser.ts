/**
 * Where a request's `Authorization` header comes from when it is not a fixed value: the v2 API takes
 * HTTP Basic or OAuth bearer tokens, and a token is fetched, expires and is renewed while requests
 * are being sent. Implementations live with the API that needs them (`v2/`); {@link BandwidthHttp}
 * only asks for a header before each attempt.
 */
export interface Authoriser {
  /** The header value for the attempt about to be sent; may fetch a token first. */
  authorization(): Promise<string>;
  /**
   * Told that Bandwidth answered 401 to an attempt sent with `used`. Returns whether one more attempt
   * with a fresh header may succeed (a token that expired early or was revoked); a fixed credential
   * says no, since sending it again cannot change the answer.
   */
  rejected(used: string): boolean;
  /** Texts that must never appear in an error or log line: secrets, encoded credentials, tokens held now. */
  secrets(): readonly string[];
}

/** A fixed header, for the v1 client and for v2's Basic mode. */
export class StaticAuthoriser implements Authoriser {
  constructor(
    private readonly header: string,
    private readonly hidden: readonly string[],
  ) {}

  authorization(): Promise<string> {
    return Promise.resolve(this.header);
  }

  rejected(): boolean {
    return false;
  }

  secrets(): readonly string[] {
    return this.hidden;
  }
}
