import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are opaque random strings; only their SHA-256 hash is
 * stored, so a database leak does not leak sessions.
 */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
