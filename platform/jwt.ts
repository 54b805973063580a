import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Identity, Role } from './identity.js';

/**
 * Access tokens: short-lived HS256 JWTs. The user subgraph issues them; the
 * gateway verifies them (edge authentication) and forwards the identity to
 * subgraphs in signed headers. Both sides share this module, so issuer,
 * audience and claim names cannot drift.
 */
const ISSUER = 'ecommerce-user';
const AUDIENCE = 'ecommerce';

const key = (secret: string) => new TextEncoder().encode(secret);

export async function issueAccessToken(
  secret: string,
  ttlMs: number,
  user: { id: string; roles: Role[] },
): Promise<string> {
  return new SignJWT({ roles: user.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor((Date.now() + ttlMs) / 1000))
    .sign(key(secret));
}

export type TokenProblem = 'expired' | 'invalid';

export class InvalidAccessToken extends Error {
  override name = 'InvalidAccessToken';
  constructor(readonly problem: TokenProblem) {
    super(problem === 'expired' ? 'Access token has expired' : 'Access token is invalid');
  }
}

export interface VerifiedToken extends Identity {
  /** Expiry, epoch milliseconds (subscriptions end when it passes). */
  expiresAt: number;
}

export async function verifyAccessToken(secret: string, token: string): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is Role => r === 'CUSTOMER' || r === 'ADMIN')
      : [];
    if (!payload.sub || typeof payload.exp !== 'number') throw new InvalidAccessToken('invalid');
    return { userId: payload.sub, roles, expiresAt: payload.exp * 1000 };
  } catch (err) {
    if (err instanceof InvalidAccessToken) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidAccessToken('expired');
    throw new InvalidAccessToken('invalid');
  }
}

/** `Bearer <token>` → token; anything else → undefined. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
