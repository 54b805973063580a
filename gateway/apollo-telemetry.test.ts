import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloGateway } from '@apollo/gateway';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSupergraphSdl } from './supergraph.js';
import { optOutOfApolloTelemetry } from './apollo-telemetry.js';

/** Hosts an ApolloGateway contacts on its own while it is constructed and settles. */
async function outboundCallsOfANewGateway(): Promise<string[]> {
  const hosts: string[] = [];
  const record = (target: unknown, options: unknown) => {
    const url =
      target instanceof URL ? target : typeof target === 'string' ? new URL(target) : null;
    const opts = (url ? options : target) as { hostname?: string; host?: string } | undefined;
    hosts.push(url?.hostname ?? opts?.hostname ?? opts?.host ?? '?');
  };
  for (const mod of [http, https]) {
    for (const method of ['request', 'get'] as const) {
      const original = mod[method].bind(mod) as (...args: unknown[]) => http.ClientRequest;
      vi.spyOn(mod, method).mockImplementation(((...args: unknown[]) => {
        record(args[0], args[1]);
        return original(...args);
      }) as never);
    }
  }
  const gateway = new ApolloGateway({ supergraphSdl: loadSupergraphSdl() });
  await sleep(300);
  await gateway.stop().catch(() => undefined);
  vi.restoreAllMocks();
  return hosts;
}

describe('Apollo telemetry', () => {
  const saved = process.env.APOLLO_TELEMETRY_DISABLED;
  afterEach(() => {
    if (saved === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
    else process.env.APOLLO_TELEMETRY_DISABLED = saved;
  });

  it('is off by default: a gateway calls no cloud metadata endpoint and no Apollo host', async () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    optOutOfApolloTelemetry();
    expect(await outboundCallsOfANewGateway()).toEqual([]);
  });

  it('stays on when an operator opts in (and the library then probes the cloud metadata endpoints)', async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    optOutOfApolloTelemetry();
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('false');
    expect(await outboundCallsOfANewGateway()).toContain('169.254.169.254');
  });
});
