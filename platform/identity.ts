import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The caller's identity as the gateway forwards it to subgraphs. The gateway
 * verifies the JWT; subgraphs trust only what carries a valid, fresh HMAC
 * signature over these fields, so a request sent straight to a subgraph with
 * a made-up user id gets nothing.
 */
export type Role = 'CUSTOMER' | 'ADMIN';

export interface Identity {
  userId: string;
  roles: Role[];
}

export const IDENTITY_HEADER = 'x-identity';
export const IDENTITY_SIGNATURE_HEADER = 'x-identity-signature';
export const TRACE_HEADER = 'x-trace-id';

interface IdentityClaims {
  sub: string | null;
  roles: Role[];
  /** The request id this header was issued for. */
  rid: string;
  /** Issued at, epoch milliseconds. */
  iat: number;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Header values for one outgoing subgraph request. */
export function signIdentity(
  secret: string,
  identity: Identity | null,
  requestId: string,
  now = Date.now(),
): Record<string, string> {
  const claims: IdentityClaims = {
    sub: identity?.userId ?? null,
    roles: identity?.roles ?? [],
    rid: requestId,
    iat: now,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { [IDENTITY_HEADER]: payload, [IDENTITY_SIGNATURE_HEADER]: sign(secret, payload) };
}

export class IdentityRejected extends Error {
  override name = 'IdentityRejected';
}

/**
 * Reads the identity headers of an incoming subgraph request. No headers at
 * all means an anonymous caller; headers that are present but unsigned,
 * forged or stale are refused outright rather than downgraded to anonymous.
 */
export function verifyIdentity(
  secret: string,
  maxAgeMs: number,
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): Identity | null {
  const payload = single(headers[IDENTITY_HEADER]);
  const signature = single(headers[IDENTITY_SIGNATURE_HEADER]);
  if (payload === undefined && signature === undefined) return null;
  if (!payload || !signature) throw new IdentityRejected('identity header without signature');
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new IdentityRejected('identity signature does not match');
  }
  let claims: IdentityClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IdentityClaims;
  } catch {
    throw new IdentityRejected('identity header is not valid');
  }
  if (typeof claims.iat !== 'number' || Math.abs(now - claims.iat) > maxAgeMs) {
    throw new IdentityRejected('identity header is stale');
  }
  if (!claims.sub) return null;
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((r): r is Role => r === 'CUSTOMER' || r === 'ADMIN')
    : [];
  return { userId: claims.sub, roles };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function isAdmin(identity: Identity | null): boolean {
  return !!identity?.roles.includes('ADMIN');
}

/**
 * Who a result is for, as a string: two requests with the same scope see the
 * same data (user and roles decide every authorisation rule), so results are
 * shared only within one scope. Anonymous callers share the empty scope.
 */
export function identityScope(identity: Identity | null): string {
  return identity ? `${identity.userId}|${[...identity.roles].sort().join(',')}` : '';
}
