import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../platform/identity.js';
import { deduplicateInflight } from './inflight-dedup.js';

/** An executor that answers only when told to, counting the executions it starts. */
function slowExecutor() {
  const pending: Array<(result: GatewayExecutionResult) => void> = [];
  let executions = 0;
  const gateway: GatewayInterface = {
    onSchemaLoadOrUpdate: () => () => {},
    stop: async () => {},
    load: async () => ({
      executor: (ctx) => {
        executions += 1;
        return new Promise((resolve) =>
          pending.push(() => resolve({ data: { echo: ctx.request.variables ?? null } })),
        );
      },
    }),
  };
  return {
    gateway,
    get executions() {
      return executions;
    },
    finishAll: () => pending.splice(0).forEach((finish) => finish({})),
  };
}

function request(
  query: string,
  options: { variables?: Record<string, unknown>; identity?: Identity | null } = {},
): GatewayGraphQLRequestContext {
  const document = parse(query);
  return {
    request: { query, variables: options.variables ?? {} },
    queryHash: query,
    operationName: null,
    operation: document.definitions[0] as OperationDefinitionNode,
    document,
    context: { identity: options.identity ?? null },
  } as unknown as GatewayGraphQLRequestContext;
}

const alice: Identity = { userId: 'alice', roles: ['CUSTOMER'] };
const bob: Identity = { userId: 'bob', roles: ['CUSTOMER'] };

async function executorOf(gateway: GatewayInterface) {
  const { executor } = await deduplicateInflight(gateway).load({ apollo: {} });
  return executor!;
}

describe('in-flight deduplication', () => {
  it('runs identical concurrent queries once and gives each request its own result object', async () => {
    const backend = slowExecutor();
    const execute = await executorOf(backend.gateway);
    const results = Array.from({ length: 5 }, () =>
      execute(request('{ products { id } }', { variables: { first: 2 } })),
    );
    backend.finishAll();
    const answered = await Promise.all(results);
    expect(backend.executions).toBe(1);
    expect(answered.every((r) => r.data?.echo?.first === 2)).toBe(true);
    expect(new Set(answered).size).toBe(5);
  });

  it('never shares across callers, variables or documents', async () => {
    const backend = slowExecutor();
    const execute = await executorOf(backend.gateway);
    const all = [
      execute(request('{ me { id } }', { identity: alice })),
      execute(request('{ me { id } }', { identity: bob })),
      execute(request('{ me { id } }')),
      execute(request('{ me { id } }', { identity: { ...alice, roles: ['ADMIN'] } })),
      execute(request('{ a: me { id } }', { identity: alice })),
      execute(request('{ me { id } }', { identity: alice, variables: { x: 1 } })),
    ];
    backend.finishAll();
    await Promise.all(all);
    expect(backend.executions).toBe(6);
  });

  it('never shares mutations', async () => {
    const backend = slowExecutor();
    const execute = await executorOf(backend.gateway);
    const mutation = 'mutation { placeOrder { id } }';
    const both = [execute(request(mutation)), execute(request(mutation))];
    backend.finishAll();
    await Promise.all(both);
    expect(backend.executions).toBe(2);
  });

  it('executes anew once the earlier execution has finished (it is not a cache)', async () => {
    const backend = slowExecutor();
    const execute = await executorOf(backend.gateway);
    const first = execute(request('{ products { id } }'));
    backend.finishAll();
    await first;
    const second = execute(request('{ products { id } }'));
    backend.finishAll();
    await second;
    expect(backend.executions).toBe(2);
  });
});
