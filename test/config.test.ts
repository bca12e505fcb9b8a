import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';

const REAL = {
  BANDWIDTH_USER_ID: 'u-abc',
  BANDWIDTH_API_TOKEN: 't-abc',
  BANDWIDTH_API_SECRET: 'super-secret-value',
  WEBHOOK_USERNAME: 'bw',
  WEBHOOK_PASSWORD: 'webhook-secret-value',
};

const REAL_V2 = {
  BANDWIDTH_ACCOUNT_ID: '9900000',
  BANDWIDTH_APPLICATION_ID: 'app-0f1e2d3c',
  BANDWIDTH_CLIENT_ID: 'client-id-abc',
  BANDWIDTH_CLIENT_SECRET: 'oauth-secret-value',
  WEBHOOK_USERNAME: 'bw',
  WEBHOOK_PASSWORD: 'webhook-secret-value',
  PUBLIC_URL: 'https://voice.example.com',
  API_TOKENS: 'client-token-0123456789',
};

describe('configuration', () => {
  it('starts the simulator with defaults when no Bandwidth credentials are set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.bandwidth.mode).toBe('simulator');
    expect(config.apiTokens).toEqual([]);
    expect(config.database).toEqual({ kind: 'sqlite', filename: expect.stringMatching(/data[/\\]calls\.sqlite$/), synchronous: 'normal' });
    expect(config.webhook.password.length).toBeGreaterThanOrEqual(20);
  });

  it('makes SQLite fsync every commit with SQLITE_SYNCHRONOUS=full, and refuses other words', () => {
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'full' }).database).toMatchObject({ kind: 'sqlite', synchronous: 'full' });
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'NORMAL' }).database).toMatchObject({ kind: 'sqlite', synchronous: 'normal' });
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' })).toThrow('SQLITE_SYNCHRONOUS must be normal or full');
  });

  it('selects PostgreSQL for a postgres:// DATABASE_URL, in DATABASE_SCHEMA', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db.example.com:5432/calls', DATABASE_SCHEMA: 'voice' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db.example.com:5432/calls', schema: 'voice', poolSize: 10 });
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/db', DATABASE_POOL_SIZE: '30' }).database).toMatchObject({ poolSize: 30 });
    expect(config.redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'calls' });
  });

  it('uses the real API when all three credentials are set', () => {
    const config = loadConfig({ ...REAL, API_TOKENS: 'client-token-0123456789' });
    expect(config.bandwidth).toMatchObject({ mode: 'real', apiUrl: 'https://api.catapult.inetwork.com', userId: 'u-abc' });
  });

  it('speaks v2 when a v2 account is configured, with OAuth client credentials or an API user', () => {
    const config = loadConfig(REAL_V2);
    expect(config.bandwidth).toEqual({
      mode: 'real',
      apiVersion: 'v2',
      voiceApiUrl: 'https://voice.bandwidth.com',
      oauthUrl: 'https://api.bandwidth.com/api/v1/oauth2/token',
      accountId: '9900000',
      applicationId: 'app-0f1e2d3c',
      credentials: { kind: 'oauth', clientId: 'client-id-abc', clientSecret: 'oauth-secret-value' },
    });
    const { BANDWIDTH_CLIENT_ID: _id, BANDWIDTH_CLIENT_SECRET: _secret, ...noOAuth } = REAL_V2;
    const basic = loadConfig({ ...noOAuth, BANDWIDTH_USERNAME: 'api-user', BANDWIDTH_PASSWORD: 'api-password', BANDWIDTH_VOICE_API_URL: 'https://voice.test' });
    expect(basic.bandwidth).toMatchObject({ voiceApiUrl: 'https://voice.test', credentials: { kind: 'basic', username: 'api-user', password: 'api-password' } });
  });

  it('lets a v2 service call back over http only on a loopback address', () => {
    expect(loadConfig({ ...REAL_V2, PUBLIC_URL: 'http://127.0.0.1:4000' }).publicUrl).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ ...REAL_V2, PUBLIC_URL: 'http://localhost:4000' }).publicUrl).toBe('http://localhost:4000');
  });

  it('runs the simulator in v1 by default and in v2 when BANDWIDTH_API_VERSION=v2 has no credentials', () => {
    expect(loadConfig({}).bandwidth).toMatchObject({ mode: 'simulator', apiVersion: 'v1' });
    expect(loadConfig({ BANDWIDTH_API_VERSION: 'v2' }).bandwidth).toMatchObject({ mode: 'simulator', apiVersion: 'v2' });
    expect(loadConfig({ ...REAL, API_TOKENS: 'client-token-0123456789' }).bandwidth).toMatchObject({ apiVersion: 'v1' });
  });

  it.each([
    [{ BANDWIDTH_API_VERSION: 'v3' }, /^BANDWIDTH_API_VERSION must be v1 or v2/],
    [{ ...REAL_V2, BANDWIDTH_APPLICATION_ID: '' }, /^BANDWIDTH_APPLICATION_ID must be set/],
    [{ ...REAL_V2, BANDWIDTH_CLIENT_SECRET: '' }, /^BANDWIDTH_CLIENT_ID and BANDWIDTH_CLIENT_SECRET must be set together/],
    [{ ...REAL_V2, BANDWIDTH_USERNAME: 'u', BANDWIDTH_PASSWORD: 'p' }, /not both/],
    [{ ...REAL_V2, BANDWIDTH_CLIENT_ID: '', BANDWIDTH_CLIENT_SECRET: '' }, /BANDWIDTH_CLIENT_ID and BANDWIDTH_CLIENT_SECRET \(OAuth, recommended\) or BANDWIDTH_USERNAME/],
    [{ ...REAL_V2, PUBLIC_URL: 'http://voice.example.com' }, /^PUBLIC_URL must be the service's https/],
    [{ ...REAL_V2, PUBLIC_FALLBACK_URL: 'http://fallback.example.com' }, /^PUBLIC_FALLBACK_URL must be an https/],
    [{ ...REAL_V2, BANDWIDTH_USER_ID: 'u-abc' }, /set BANDWIDTH_API_VERSION to v1 or v2/],
    [{ ...REAL_V2, BANDWIDTH_API_VERSION: 'v1' }, /belong to Bandwidth's v2 API/],
    [{ ...REAL, BANDWIDTH_API_VERSION: 'v2' }, /belong to Bandwidth's v1 API/],
    [{ ...REAL_V2, API_TOKENS: '' }, /^API_TOKENS must be set/],
  ])('refuses the v2 settings %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (error) {
      expect(String(error)).not.toContain('oauth-secret-value');
      expect(String(error)).not.toContain('webhook-secret-value');
    }
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT/],
    [{ PUBLIC_URL: 'not a url' }, /^PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://user:pw@example.com' }, /^PUBLIC_URL must not contain credentials/],
    [{ PUBLIC_URL: 'https://voice.example.com', PUBLIC_FALLBACK_URL: 'https://voice.example.com/' }, /^PUBLIC_FALLBACK_URL must be a second way in/],
    [{ PUBLIC_FALLBACK_URL: 'ftp://voice.example.com' }, /^PUBLIC_FALLBACK_URL/],
    [{ BANDWIDTH_USER_ID: 'u-abc' }, /BANDWIDTH_API_TOKEN, BANDWIDTH_API_SECRET must be set too/],
    [{ WEBHOOK_USERNAME: 'bw' }, /WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set together/],
    [{ ...REAL }, /^API_TOKENS must be set/],
    [{ ...REAL, WEBHOOK_USERNAME: '', WEBHOOK_PASSWORD: '', API_TOKENS: 'client-token-0123456789' }, /WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set with real/],
    [{ API_TOKENS: 'short' }, /^API_TOKENS entries must be at least 16/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /^DATABASE_URL/],
    [{ DATABASE_URL: 'postgres://localhost/db', DATABASE_SCHEMA: 'Drop Table' }, /^DATABASE_SCHEMA/],
    [{ DATABASE_URL: 'postgres://localhost/db', DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE/],
    [{ DATABASE_URL: 'postgres://localhost/db', DATABASE_POOL_SIZE: 'many' }, /^DATABASE_POOL_SIZE/],
    [{ REDIS_URL: 'http://localhost:6379' }, /^REDIS_URL/],
    [{ OUTBOX_LEASE_MS: '10' }, /^OUTBOX_LEASE_MS/],
    [{ OUTBOX_SWEEP_PAGE: '0' }, /^OUTBOX_SWEEP_PAGE/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret in its messages', () => {
    try {
      loadConfig({ ...REAL });
    } catch (error) {
      expect(String(error)).not.toContain('super-secret-value');
      expect(String(error)).not.toContain('webhook-secret-value');
    }
  });

  it('makes the service refuse to start with real credentials and no API_TOKENS', () => {
    const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, ...REAL }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/API_TOKENS must be set/);
    expect(result.stderr + result.stdout).not.toContain('super-secret-value');
  });
});
