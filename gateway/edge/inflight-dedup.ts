import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import type { FormattedExecutionResult } from 'graphql';
import { identityScope } from '../../platform/identity.js';
import { Lru } from '../../platform/lru.js';
import type { GatewayContext } from '../context.js';

/**
 * In-flight deduplication: a query identical to one still executing waits for
 * that execution's result instead of fanning out to the subgraphs again (a
 * burst of the same catalogue read costs one set of subgraph calls).
 *
 * Safe by construction: identical means the same document (Apollo's query
 * hash), operation name and variables, for the same caller scope (user and
 * roles: every authorisation rule depends on nothing else), so nobody sees a
 * result computed for someone else; only queries are shared, never mutations;
 * nothing outlives the execution (this is not a cache: a request arriving
 * after it finished executes anew). Wraps Apollo's gateway executor, so
 * parsing, validation, limits and rate limits still apply to every request.
 */

export interface DedupStats {
  /** Requests answered by another request's execution. */
  onShared?: () => void;
}

export function deduplicateInflight(
  gateway: GatewayInterface,
  stats: DedupStats = {},
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      return { ...loaded, executor: loaded.executor && sharing(loaded.executor, stats) };
    },
  };
}

interface Inflight {
  execution: Promise<GatewayExecutionResult>;
  followers: number;
}

/**
 * Data objects answered to several requests, with their serialisation once the
 * first of them has been written: an 87 KB answer shared by fifty requests is
 * turned into JSON once, not fifty times. Held weakly: gone with the result.
 */
const serialised = new WeakMap<object, string | null>();

/**
 * Apollo Server's `stringifyResult`: as its default (JSON and a newline), but a
 * shared result without request-specific errors or extensions is serialised once.
 */
export function stringifyResult(value: FormattedExecutionResult): string {
  const data = value.data;
  if (!data || value.errors || value.extensions) return `${JSON.stringify(value)}\n`;
  const known = serialised.get(data);
  if (known) return known;
  const text = `${JSON.stringify(value)}\n`;
  if (known === null) {
    serialised.set(data, text);
    encoded.set(text, Buffer.from(text));
  }
  return text;
}

/** The bytes of the last few shared serialisations, so each is UTF-8 encoded once too. */
const encoded = new Lru<string, Buffer>(16);

/**
 * The bytes to send for a response body: a shared serialisation goes out as
 * its bytes, encoded once, instead of being encoded again per response (for a
 * large answer shared by many requests, the encoding was the biggest
 * remaining cost per request).
 */
export function sharedBytes(body: string): string | Buffer {
  return encoded.get(body) ?? body;
}

function sharing(executor: GatewayExecutor, stats: DedupStats): GatewayExecutor {
  const inflight = new Map<string, Inflight>();
  return (requestContext) => {
    if (requestContext.operation.operation !== 'query') return executor(requestContext);
    const context = requestContext.context as Partial<GatewayContext>;
    const key = [
      requestContext.queryHash,
      requestContext.operationName ?? '',
      identityScope(context.identity ?? null),
      JSON.stringify(requestContext.request.variables ?? {}),
    ].join('\n');
    const running = inflight.get(key);
    if (running) {
      running.followers += 1;
      stats.onShared?.();
      return running.execution.then(copy);
    }
    const entry: Inflight = {
      followers: 0,
      // Runs before any follower's continuation: the mark is there when they serialise.
      execution: executor(requestContext)
        .then((result) => {
          if (entry.followers && result.data) serialised.set(result.data, null);
          return result;
        })
        .finally(() => inflight.delete(key)),
    };
    inflight.set(key, entry);
    return entry.execution;
  };
}

/** Each request gets its own top-level object and errors array: plugins may add to them. */
function copy(result: GatewayExecutionResult): GatewayExecutionResult {
  return result.errors ? { ...result, errors: [...result.errors] } : { ...result };
}
