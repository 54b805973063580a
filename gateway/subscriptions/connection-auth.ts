import { bearerToken, InvalidAccessToken, verifyAccessToken } from '../../platform/jwt.js';
import type { SubscriptionContext } from './subscription-schema.js';

/**
 * WebSocket authentication happens once, in `connection_init`
 * (`{"authorization": "Bearer <accessToken>"}`, as the contract says). Unlike
 * HTTP, where a missing or bad token runs the request anonymously, every
 * subscription needs a customer or an admin, so a connection without a valid
 * token is refused outright, with a close code a client can act on.
 */

/** Close codes the gateway uses on /graphql WebSockets (besides graphql-ws' protocol codes). */
export const CLOSE_CODES = {
  /** No, malformed, invalid or expired access token in connection_init: log in (again), reconnect. */
  UNAUTHORIZED: 4401,
  /** The gateway is shutting down: reconnect (to another instance). */
  GOING_AWAY: 1001,
} as const;

export type ConnectionAuth =
  { ok: true; context: SubscriptionContext } | { ok: false; reason: string };

export async function authenticateConnection(
  jwtSecret: string,
  params: Readonly<Record<string, unknown>> | undefined,
): Promise<ConnectionAuth> {
  // Some clients send the header name capitalised.
  const header = params?.authorization ?? params?.Authorization;
  const token = bearerToken(header);
  if (!token) {
    return {
      ok: false,
      reason: 'Unauthorized: send {"authorization": "Bearer <token>"} in connection_init',
    };
  }
  try {
    const verified = await verifyAccessToken(jwtSecret, token);
    return {
      ok: true,
      context: {
        identity: { userId: verified.userId, roles: verified.roles },
        expiresAt: verified.expiresAt,
      },
    };
  } catch (err) {
    if (err instanceof InvalidAccessToken) {
      return { ok: false, reason: `Unauthorized: ${err.message}` };
    }
    throw err;
  }
}
