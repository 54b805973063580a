import { randomUUID } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import { signIdentity, TRACE_HEADER } from '../../platform/identity.js';
import { table } from '../lib/report.js';
import { wrk, type WrkResult } from '../lib/wrk.js';
import { cpuMeter, type CpuShare } from './cpu.js';
import { delta, settled } from './metrics.js';

/**
 * What every phase of the operations benchmark does with wrk (bench/lib/wrk.ts):
 * a target is one URL and the requests sent to it (several, in turn, when
 * they stand for several users or products), measured in alternating rounds
 * so that a noisy neighbour on this shared machine hits every target alike.
 */

export interface Request {
  body: string;
  headers: Record<string, string>;
}

export interface Target {
  label: string;
  url: string;
  /** Built per run: a subgraph's identity header must be fresh (IDENTITY_MAX_AGE). */
  requests(): Request[];
}

/** A client operation to a gateway as the storefront sends it: document text, variables, token. */
export function gatewayTarget(
  label: string,
  url: string,
  document: DocumentNode,
  calls: { variables: Record<string, unknown>; token?: string }[],
): Target {
  const query = print(document);
  const requests = calls.map(({ variables, token }): Request => ({
    body: JSON.stringify({ query, variables }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }));
  return { label, url, requests: () => requests };
}

/**
 * A planned fetch sent straight to a subgraph with the headers the gateway
 * adds (gateway/datasource.ts): a signed identity (anonymous here) and a trace id.
 */
export function subgraphTarget(
  label: string,
  url: string,
  fetch: { operation: string; operationName: string | undefined },
  variables: Record<string, unknown>[],
  identitySecret: string,
): Target {
  const { operation: query, operationName } = fetch;
  const bodies = variables.map((v) => JSON.stringify({ query, operationName, variables: v }));
  return {
    label,
    url,
    requests: () => {
      const traceId = randomUUID().replaceAll('-', '');
      const headers = { ...signIdentity(identitySecret, null, traceId), [TRACE_HEADER]: traceId };
      return bodies.map((body) => ({ body, headers }));
    },
  };
}

/** Each request as wrk sends it; fails unless each is a 200 with data and no GraphQL error. */
export async function answer(target: Target): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const { body, headers } of target.requests()) {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const json = (await res.json()) as { data?: unknown; errors?: unknown };
    if (res.status !== 200 || json.errors || !json.data) {
      throw new Error(
        `${target.label} answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`,
      );
    }
    answers.push(json.data);
  }
  return answers;
}

export async function measure(
  target: Target,
  connections: number,
  seconds: number,
): Promise<WrkResult> {
  const requests = target.requests();
  const result = await wrk({
    url: target.url,
    ...requests[0]!,
    variants: requests.length > 1 ? requests : undefined,
    connections,
    threads: Math.min(2, connections),
    seconds,
  });
  if (result.errors || result.non2xx) {
    throw new Error(
      `${target.label}: ${result.errors} socket errors, ${result.non2xx} non-2xx answers of ${result.requests}`,
    );
  }
  return result;
}

export interface Aggregate {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  /** CPU milliseconds per request, by process (and the rest of the machine), when measured. */
  cpuMs: Map<string, number>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface Run {
  result: WrkResult;
  /** CPU of each process from the start of the run until its last request was answered. */
  cpu: CpuShare[];
  /** Requests the target answered meanwhile (wrk's, and those it left in flight). */
  served: number;
}

/** Rounds of one target: mean of each figure (rounds are equally long), CPU per request over all. */
export function aggregate(runs: Run[]): Aggregate {
  const requests = runs.reduce((a, r) => a + r.result.requests, 0);
  const served = runs.reduce((a, r) => a + r.served, 0);
  const cpuMs = new Map<string, number>();
  for (const share of runs.flatMap((r) => r.cpu)) {
    cpuMs.set(share.label, (cpuMs.get(share.label) ?? 0) + (share.seconds * 1000) / served);
  }
  return {
    rps: mean(runs.map((r) => r.result.rps)),
    p50: mean(runs.map((r) => r.result.p50)),
    p95: mean(runs.map((r) => r.result.p95)),
    p99: mean(runs.map((r) => r.result.p99)),
    requests,
    cpuMs,
  };
}

/**
 * One run, with the CPU each of `pids` (and the rest of the machine) used
 * until the target has answered everything wrk sent (read from its
 * http_requests_total, which the gateway and every subgraph serve), so that
 * one run's tail is neither lost nor charged to the next.
 */
export async function measureWithCpu(
  target: Target,
  connections: number,
  seconds: number,
  pids: Record<string, number>,
): Promise<Run> {
  const before = await settled(target.url, 'http_requests_total');
  const meter = cpuMeter(pids);
  const result = await measure(target, connections, seconds);
  const after = await settled(target.url, 'http_requests_total');
  return { result, cpu: meter.stop(), served: delta(before, after, 'http_requests_total') };
}

/**
 * Warms every target (JIT, connection pools, caches), then runs `rounds`
 * rounds of all targets in turn, each run `seconds` long, measuring the CPU
 * of `pids` during each run.
 */
export async function alternate(
  targets: Target[],
  connections: number,
  rounds: number,
  seconds: number,
  pids: Record<string, number> = {},
): Promise<Map<string, Aggregate>> {
  // wrk sees only HTTP statuses: check that each target answers data, before and after.
  for (const target of targets) await answer(target);
  for (const target of targets) await measure(target, connections, Math.min(3, seconds));
  const runs = new Map<string, Run[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const run = await measureWithCpu(target, connections, seconds, pids);
      runs.get(target.label)!.push(run);
      const { result } = run;
      console.log(
        `  ${target.label} c=${connections} round ${round + 1}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms`,
      );
    }
  }
  for (const target of targets) await answer(target);
  return new Map([...runs].map(([label, r]) => [label, aggregate(r)]));
}

/**
 * CPU milliseconds per request of each process, one row per measured target:
 * on a shared machine a steadier figure than latency, and it shows which
 * process a request costs most.
 */
export function cpuTable(rows: [string, Aggregate][]): string {
  const labels = [...new Set(rows.flatMap(([, a]) => [...a.cpuMs.keys()]))];
  return table(
    ['CPU ms per request', ...labels],
    rows.map(([name, a]) => [name, ...labels.map((l) => (a.cpuMs.get(l) ?? NaN).toFixed(2))]),
  );
}
