import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Pool } from 'undici';

/**
 * The gateway's HTTP client for one subgraph: a pool of keep-alive connections
 * (undici's Pool, the engine under Node's fetch, used directly). Apollo's
 * default data source goes through a fetch API (Request and Headers objects,
 * web streams, a body parser) for every subgraph call, which profiling showed
 * to be about a third of the gateway's CPU on nested queries; this sends a
 * prepared body with plain headers and parses the answer once.
 *
 * Timeouts cut the request itself (the circuit breaker's timeout only stops
 * waiting): a subgraph that hangs does not keep a connection busy forever.
 */

/** Connections per subgraph and gateway process: enough for the gateway's concurrency. */
const CONNECTIONS = 64;
/** Idle connections are retired before the subgraphs' own keep-alive timeout (65 s). */
const KEEP_ALIVE_MS = 30_000;

export class SubgraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`subgraph answered HTTP ${status}`);
  }
}

export class SubgraphClient {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(url: string, timeoutMs: number) {
    const target = new URL(url);
    this.path = `${target.pathname}${target.search}`;
    this.pool = new Pool(target.origin, {
      connections: CONNECTIONS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** POSTs a GraphQL request body; the parsed response, or an error for a non-2xx answer. */
  async post(body: string, headers: Record<string, string>): Promise<GatewayGraphQLResponse> {
    const { status, text } = await this.send(body, headers);
    if (status < 200 || status >= 300) throw new SubgraphHttpError(status, text);
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('subgraph answered with a JSON body that is not a GraphQL response');
    }
    return parsed as GatewayGraphQLResponse;
  }

  /**
   * The answer's status and body text, collected straight from undici's
   * dispatcher: `request()` would wrap the body in a Readable stream only for
   * it to be read whole (about a fifth of a call's client CPU). The pool's
   * headers and body timeouts apply all the same; their errors arrive in onError.
   */
  private send(body: string, headers: Record<string, string>) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      let status = 0;
      let chunks: Buffer[] = [];
      this.pool.dispatch(
        { path: this.path, method: 'POST', headers, body },
        {
          // Called again if undici retries the request on another connection: start over.
          onConnect: () => {
            chunks = [];
          },
          // Called once per 1xx interim answer too: the last status is the answer's.
          onHeaders: (statusCode) => {
            status = statusCode;
            chunks = [];
            return true;
          },
          onData: (chunk) => {
            chunks.push(chunk);
            return true;
          },
          onComplete: () => resolve({ status, text: decode(chunks) }),
          onError: reject,
        },
      );
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** UTF-8 text of a body, a leading byte order mark skipped (as undici's `body.text()` does). */
function decode(chunks: Buffer[]): string {
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}
