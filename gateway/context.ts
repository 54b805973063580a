import type { Identity } from '../platform/identity.js';
import type { TokenProblem } from '../platform/jwt.js';

/** Per-request gateway context: who is calling (verified at the edge) and the trace id. */
export interface GatewayContext {
  identity: Identity | null;
  /** Set when a bearer token was sent but could not be verified; the request runs anonymously. */
  tokenProblem: TokenProblem | null;
  traceId: string;
  /** The caller's address, keying anonymous rate limits; absent for in-process executions. */
  clientIp?: string;
}
