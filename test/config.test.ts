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

describe('configuration', () => {
  it('starts the simulator with defaults when no Bandwidth credentials are set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.bandwidth.mode).toBe('simulator');
    expect(config.apiTokens).toEqual([]);
    expect(config.database).toEqual({ kind: 'sqlite', filename: expect.stringMatching(/data[/\\]calls\.sqlite$/) });
    expect(config.webhook.password.length).toBeGreaterThanOrEqual(20);
  });

  it('selects PostgreSQL for a postgres:// DATABASE_URL, in DATABASE_SCHEMA', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db.example.com:5432/calls', DATABASE_SCHEMA: 'voice' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db.example.com:5432/calls', schema: 'voice' });
    expect(config.redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'calls' });
  });

  it('uses the real API when all three credentials are set', () => {
    const config = loadConfig({ ...REAL, API_TOKENS: 'client-token-0123456789' });
    expect(config.bandwidth).toMatchObject({ mode: 'real', apiUrl: 'https://api.catapult.inetwork.com', userId: 'u-abc' });
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT/],
    [{ PUBLIC_URL: 'not a url' }, /^PUBLIC_URL/],
    [{ PUBLIC_URL: 'https://user:pw@example.com' }, /^PUBLIC_URL must not contain credentials/],
    [{ BANDWIDTH_USER_ID: 'u-abc' }, /BANDWIDTH_API_TOKEN, BANDWIDTH_API_SECRET must be set too/],
    [{ WEBHOOK_USERNAME: 'bw' }, /WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set together/],
    [{ ...REAL }, /^API_TOKENS must be set/],
    [{ ...REAL, WEBHOOK_USERNAME: '', WEBHOOK_PASSWORD: '', API_TOKENS: 'client-token-0123456789' }, /WEBHOOK_USERNAME and WEBHOOK_PASSWORD must be set with real/],
    [{ API_TOKENS: 'short' }, /^API_TOKENS entries must be at least 16/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /^DATABASE_URL/],
    [{ DATABASE_URL: 'postgres://localhost/db', DATABASE_SCHEMA: 'Drop Table' }, /^DATABASE_SCHEMA/],
    [{ REDIS_URL: 'http://localhost:6379' }, /^REDIS_URL/],
    [{ OUTBOX_LEASE_MS: '10' }, /^OUTBOX_LEASE_MS/],
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
