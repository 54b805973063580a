import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { sendJson } from './respond.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

interface Route {
  /** Upper-case methods this path answers; null for any. */
  methods: ReadonlySet<string> | null;
  handler: RouteHandler;
}

/**
 * The few routes a service serves (`/graphql`, health, metrics), by exact
 * path, on Node's own HTTP server. A framework's router and middleware chain
 * cost measurable CPU on every GraphQL request for features none of these
 * routes use (decision 22).
 */
export class HttpRoutes {
  private readonly routes = new Map<string, Route>();

  /** GET (and so HEAD) only. */
  get(path: string, handler: RouteHandler): this {
    return this.add(path, new Set(['GET', 'HEAD']), handler);
  }

  /** Every method: the handler decides (Apollo answers GET, POST and the rest itself). */
  all(path: string, handler: RouteHandler): this {
    return this.add(path, null, handler);
  }

  /** The request listener for `http.createServer`. */
  listener(logger: Logger): RequestListener {
    return (req, res) => {
      const route = this.routes.get(pathOf(req.url ?? '/'));
      if (!route) return sendJson(res, 404, { error: 'not found' });
      if (route.methods && !route.methods.has(req.method ?? '')) {
        return sendJson(
          res,
          405,
          { error: 'method not allowed' },
          {
            allow: [...route.methods].join(', '),
          },
        );
      }
      let outcome: unknown;
      try {
        outcome = route.handler(req, res);
      } catch (err) {
        return failed(err, res, logger);
      }
      if (outcome instanceof Promise) outcome.catch((err: unknown) => failed(err, res, logger));
    };
  }

  private add(path: string, methods: ReadonlySet<string> | null, handler: RouteHandler): this {
    if (this.routes.has(path)) throw new Error(`route ${path} is already served`);
    this.routes.set(path, { methods, handler });
    return this;
  }
}

/** The path without its query string or a trailing slash (`/graphql/?x` is `/graphql`). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** A handler that threw: logged here, and the client learns only that it failed. */
function failed(err: unknown, res: ServerResponse, logger: Logger): void {
  logger.error({ err }, 'http handler failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { error: 'internal error' });
}
