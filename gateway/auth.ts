import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, InvalidAccessToken, verifyAccessToken } from '../platform/jwt.js';
import type { GatewayContext } from './context.js';

/**
 * Edge authentication: a valid bearer token becomes the request's identity.
 * An invalid or expired one does not fail the request: it runs anonymously
 * (so `me` is null, as the contract says) and the response carries an
 * UNAUTHENTICATED error explaining why (see the token-problem plugin).
 */
export async function authenticate(
  jwtSecret: string,
  headers: IncomingHttpHeaders,
): Promise<Pick<GatewayContext, 'identity' | 'tokenProblem'>> {
  const token = bearerToken(headers.authorization);
  if (!token) return { identity: null, tokenProblem: null };
  try {
    const verified = await verifyAccessToken(jwtSecret, token);
    return { identity: { userId: verified.userId, roles: verified.roles }, tokenProblem: null };
  } catch (err) {
    if (err instanceof InvalidAccessToken) return { identity: null, tokenProblem: err.problem };
    throw err;
  }
}
