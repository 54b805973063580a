import type { RouteHandler } from '../../platform/http/router.js';
import { TRACE_HEADER } from '../../platform/identity.js';
import { StartupError } from '../../platform/startup-error.js';

/**
 * Cross-origin requests from browsers (a storefront or back office served
 * from another origin than the API). CORS_ORIGINS lists the origins allowed
 * (`https://shop.example.com`), or is `*` for any; empty (the default)
 * allows none, and the gateway then answers as it did: to same-origin pages
 * and non-browser clients only.
 *
 * Credentials travel as `Authorization: Bearer …`, never as cookies, so no
 * origin is ever allowed credentials (no Access-Control-Allow-Credentials):
 * a page on another origin cannot act with a visitor's session.
 */

export type AllowedOrigins = ReadonlySet<string> | '*';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** What the storefront's clients send: JSON, a token, a trace id, Apollo's CSRF header. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  TRACE_HEADER,
  'apollo-require-preflight',
  'x-apollo-operation-name',
].join(', ');
/** Answers a script may read: a refusal's wait and the id to quote in a report. */
const EXPOSED_HEADERS = ['retry-after', TRACE_HEADER].join(', ');
/** Browsers cache a preflight for this long (s) and cap it themselves (Chrome: 2 h). */
const PREFLIGHT_MAX_AGE_S = 600;

/** `CORS_ORIGINS` → the origins allowed; throws (at start) on anything that is not an origin. */
export function parseAllowedOrigins(value: string): AllowedOrigins {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return '*';
  for (const entry of entries) {
    let origin: string | null = null;
    try {
      origin = new URL(entry).origin;
    } catch {
      // reported below
    }
    if (origin === null || origin === 'null' || origin !== entry.replace(/\/$/, '')) {
      throw new StartupError(
        `CORS_ORIGINS: "${entry}" is not an origin (scheme://host[:port], no path), nor a lone "*"`,
      );
    }
  }
  return new Set(entries.map((entry) => entry.replace(/\/$/, '')));
}

/**
 * Wraps the GraphQL route: an allowed origin's requests get the CORS
 * headers (on every answer, refusals included, so the page can read them),
 * and its preflights (OPTIONS with Access-Control-Request-Method) are
 * answered here with 204. A preflight from an origin not allowed gets 204
 * without them, which the browser takes as a refusal.
 */
export function withCors(allowed: AllowedOrigins, handler: RouteHandler): RouteHandler {
  const allows = (origin: string) => allowed === '*' || allowed.has(origin);
  return (req, res) => {
    const origin = req.headers.origin;
    const preflight =
      req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (typeof origin === 'string') {
      // Answers differ by Origin: caches must keep them apart.
      res.setHeader('vary', 'Origin');
      if (allows(origin)) {
        res.setHeader('access-control-allow-origin', allowed === '*' ? '*' : origin);
        if (preflight) {
          res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
          res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
          res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
        } else {
          res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
        }
      }
    }
    if (!preflight) return handler(req, res);
    res.writeHead(204, { 'content-length': '0' });
    res.end();
  };
}
