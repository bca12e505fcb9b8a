import { randomBytes } from 'node:crypto';

interface IssuedToken {
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/**
 * The bearer tokens the simulated OAuth endpoint issued. A token is good until it expires or is
 * revoked through the control API, so tests can prove a client renews an expired token and
 * survives a revoked one. Kept across `POST /control/reset`, like the credentials they stand for.
 */
export class OAuthTokens {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(ttlSeconds: number, now = Date.now()): { accessToken: string; expiresIn: number } {
    const accessToken = `sim-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, { issuedAt: now, expiresAt: now + ttlSeconds * 1000, revoked: false });
    return { accessToken, expiresIn: ttlSeconds };
  }

  isValid(accessToken: string, now = Date.now()): boolean {
    const token = this.tokens.get(accessToken);
    return token !== undefined && !token.revoked && now < token.expiresAt;
  }

  /** False when no such token was issued. */
  revoke(accessToken: string): boolean {
    const token = this.tokens.get(accessToken);
    if (!token) return false;
    token.revoked = true;
    return true;
  }

  revokeAll(): number {
    for (const token of this.tokens.values()) token.revoked = true;
    return this.tokens.size;
  }

  /** As the control API lists them: enough of each token to tell them apart, never all of it. */
  list(now = Date.now()): Record<string, unknown>[] {
    return [...this.tokens].map(([accessToken, token]) => ({
      token: `${accessToken.slice(0, 10)}…`,
      issuedAt: new Date(token.issuedAt).toISOString(),
      expiresAt: new Date(token.expiresAt).toISOString(),
      state: token.revoked ? 'revoked' : now < token.expiresAt ? 'valid' : 'expired',
    }));
  }
}
