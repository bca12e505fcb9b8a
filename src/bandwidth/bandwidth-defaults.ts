/**
 * Where Bandwidth is and how long to wait for it, unless configured otherwise: one place for the
 * adapters and the configuration alike, and free of imports, so reading the configuration loads
 * no HTTP client.
 */

/** Per-attempt timeout of a request to Bandwidth, its OAuth token endpoint included. */
export const DEFAULT_BANDWIDTH_TIMEOUT_MS = 10_000;

/** The legacy v1 ("Catapult") API. */
export const DEFAULT_V1_API_URL = 'https://api.catapult.inetwork.com';

/** The v2 Voice API's origin; the client adds `/api/v2/accounts/{accountId}`. */
export const DEFAULT_V2_VOICE_API_URL = 'https://voice.bandwidth.com';

/** Where v2 OAuth 2.0 client-credentials tokens are fetched, as the SDK and Bandwidth's specification do (older Bandwidth code used `id.bandwidth.com`). */
export const DEFAULT_OAUTH_TOKEN_URL = 'https://api.bandwidth.com/api/v1/oauth2/token';
