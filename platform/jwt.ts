import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Identity, Role } from './identity.js';
import { Lru } from './lru.js';

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

/**
 * Verified tokens by their text, per secret. A token's signature check is a
 * pure function of the token and the secret, so a client that sends the same
 * token on every request (they all do) pays for one WebCrypto HMAC per token,
 * not per request; expiry is checked again on every use. Bounded, so many
 * distinct tokens only evict one another. Failures are not remembered.
 */
const VERIFIED_TOKENS_PER_SECRET = 10_000;
/** One entry per secret in use: a process has one; a rotation adds a second. */
const MAX_SECRETS = 4;

interface Verifier {
  /** Imported once: jose would import a raw secret on every verification. */
  key: Promise<webcrypto.CryptoKey>;
  verified: Lru<string, VerifiedToken>;
}

const verifiers = new Map<string, Verifier>();

function verifierFor(secret: string): Verifier {
  let verifier = verifiers.get(secret);
  if (!verifier) {
    if (verifiers.size >= MAX_SECRETS) verifiers.clear();
    verifier = {
      key: webcrypto.subtle.importKey(
        'raw',
        key(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      ),
      verified: new Lru(VERIFIED_TOKENS_PER_SECRET),
    };
    verifiers.set(secret, verifier);
  }
  return verifier;
}

/** jose's rule: expired once the current whole second reaches `exp`. */
function hasExpired(token: VerifiedToken, now = Date.now()): boolean {
  return Math.floor(now / 1000) * 1000 >= token.expiresAt;
}

export async function verifyAccessToken(secret: string, token: string): Promise<VerifiedToken> {
  const verifier = verifierFor(secret);
  const known = verifier.verified.get(token);
  if (known) {
    if (hasExpired(known)) throw new InvalidAccessToken('expired');
    return known;
  }
  try {
    const { payload } = await jwtVerify(token, await verifier.key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is Role => r === 'CUSTOMER' || r === 'ADMIN')
      : [];
    if (!payload.sub || typeof payload.exp !== 'number') throw new InvalidAccessToken('invalid');
    // Frozen: every later request with this token gets this very object.
    const verified: VerifiedToken = Object.freeze({
      userId: payload.sub,
      roles: Object.freeze(roles) as Role[],
      expiresAt: payload.exp * 1000,
    });
    verifier.verified.set(token, verified);
    return verified;
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
