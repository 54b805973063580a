import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuild } from '../scripts/lib/build.js';
import { deleteKafkaNames, deleteRedisKeys } from '../test/support/cleanup.js';
import type { Bench } from './lib/bench.js';
import { ensureWrk } from './lib/wrk.js';
import {
  allConfigurations,
  configurations,
  oursPrefix,
  VANILLA_ID,
} from './gateways/configurations.js';
import { ensureHiveInstalled } from './gateways/hive.js';
import { Launched, waitAnswering } from './gateways/launch.js';
import { checkReference, GUILD_BODY } from './gateways/query.js';
import { goalLines, markdown, summarise, type RunShape } from './gateways/report.js';
import { runRound, type RoundResult } from './gateways/round.js';
import { subgraphUrls } from './gateways/subgraphs/subgraph.js';
import { writeSupergraph } from './gateways/supergraph.js';

/**
 * Our gateway against vanilla @apollo/gateway and Hive Gateway on The Guild's
 * federation benchmark (graphql-hive/graphql-gateways-benchmark): its four
 * subgraphs, written again as lean Node subgraphs, its one deep query, 50
 * connections. Every gateway serves the same composed supergraph over the
 * same subgraphs and must answer exactly as vanilla does; rounds alternate
 * (A B C … A B C …) so drift on this shared machine hits all alike.
 *
 * Environment: BENCH_SECONDS (measured seconds per round, default 30),
 * BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (2), BENCH_GATEWAYS (ids to run,
 * comma-separated), BENCH_OURS_BEST_ENV and BENCH_GATEWAYS_EXTRA (see
 * gateways/configurations.ts). Ports 4401-4449. Profile with
 * gateways/profile.ts.
 */

const HOST = '127.0.0.1';
const SUBGRAPH_BASE_PORT = 4401;
const REFERENCE_PORT = 4409;
const FIRST_GATEWAY_PORT = 4410;
const CONNECTIONS = 50;
export const URLS = subgraphUrls(HOST, SUBGRAPH_BASE_PORT);

const log = (line: string) => console.log(line);

/** Starts the four subgraphs (one process) and waits until each answers. */
export async function startSubgraphs(): Promise<Launched> {
  const subgraphs = new Launched('subgraphs', {
    args: ['bench/gateways/subgraphs/index.ts', String(SUBGRAPH_BASE_PORT), HOST],
  });
  for (const url of Object.values(URLS)) {
    await waitAnswering(subgraphs, url, JSON.stringify({ query: '{ __typename }' }));
  }
  return subgraphs;
}

/** Vanilla's answer, checked for the expected shape: what every gateway must answer. */
async function referenceAnswer(supergraphFile: string, runId: string): Promise<unknown> {
  const config = allConfigurations().find((c) => c.id === VANILLA_ID)!;
  const ctx = {
    port: REFERENCE_PORT,
    supergraphFile,
    runId,
    nodeArgs: [],
    buildDir: await ensureBuild(),
    subgraphUrls: URLS,
  };
  const proc = new Launched('reference', config.launch(ctx));
  try {
    const { json } = await waitAnswering(
      proc,
      `http://${HOST}:${REFERENCE_PORT}/graphql`,
      GUILD_BODY,
    );
    checkReference(json as Parameters<typeof checkReference>[0]);
    return json;
  } finally {
    await proc.stop();
  }
}

export function tempSupergraph(): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-gateways-'));
  return {
    dir,
    file: writeSupergraph(path.join(dir, 'supergraph.graphql'), HOST, SUBGRAPH_BASE_PORT),
  };
}

async function cleanUp(runId: string): Promise<void> {
  const prefix = oursPrefix(runId);
  await deleteRedisKeys(
    process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    `${prefix.redis}*`,
  ).catch((err: Error) => log(`could not remove Redis keys ${prefix.redis}*: ${err.message}`));
  await deleteKafkaNames(process.env.KAFKA_BROKERS || 'localhost:9092', (name) =>
    name.startsWith(prefix.kafka),
  ).catch((err: Error) => log(`could not remove Kafka topics ${prefix.kafka}*: ${err.message}`));
}

async function run() {
  const shape: RunShape = {
    seconds: Number(process.env.BENCH_SECONDS ?? 30),
    warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
    rounds: Number(process.env.BENCH_ROUNDS ?? 2),
    connections: CONNECTIONS,
  };
  const configs = configurations();
  if (!configs.length) throw new Error('BENCH_GATEWAYS selects no configuration');
  ensureWrk();
  if (configs.some((c) => c.gateway === 'Hive Gateway')) ensureHiveInstalled(log);

  const runId = Date.now().toString(36);
  const { dir, file } = tempSupergraph();
  let subgraphs: Launched | null = null;
  const rounds = new Map<string, RoundResult[]>(configs.map((c) => [c.id, []]));
  try {
    subgraphs = await startSubgraphs();
    const reference = await referenceAnswer(file, runId);
    log(`subgraphs up; reference answer ${JSON.stringify(reference).length} bytes`);
    for (let round = 1; round <= shape.rounds; round++) {
      log(`round ${round}/${shape.rounds}`);
      for (const [i, config] of configs.entries()) {
        const ctx = {
          port: FIRST_GATEWAY_PORT + i,
          supergraphFile: file,
          runId,
          nodeArgs: [],
          buildDir: await ensureBuild(),
          subgraphUrls: URLS,
        };
        const result = await runRound(config, ctx, {
          ...shape,
          subgraphsPid: subgraphs.pid,
          reference,
          log,
        });
        rounds.get(config.id)!.push(result);
      }
    }
  } finally {
    await subgraphs?.stop();
    await cleanUp(runId);
    rmSync(dir, { recursive: true, force: true });
  }

  const summaries = configs.map((c) => summarise(c, rounds.get(c.id)!));
  const notes = [
    'Ours runs as shipped (NODE_ENV=production, LOG_LEVEL=warn): JWT check, signed identity headers to subgraphs, query limits (none needed raising: the query is 8 deep, without aliases, well under the cost limit), circuit breakers, Prometheus metrics, in-flight deduplication, its Kafka consumer for subscriptions, and the per-request rate limit in Redis: it stays on (one Redis round trip per request is part of what we ship), with RATE_LIMIT_POINTS raised so 50 connections never exhaust it. ours-pure differs only by INFLIGHT_DEDUP=off.',
    'Every gateway runs with NODE_ENV=production, one process each, as The Guild runs them (without their cluster fork for @apollo/gateway). Hive Gateway is @graphql-hive/gateway from bench/gateways/hive/package.json.',
    "Every answer is compared with vanilla's (itself checked for shape): at start, twice a second during the load (one extra client), and after it; a different answer, an error or a non-2xx status fails the benchmark, socket errors (wrk's 10 s timeout) are a slow gateway's result and are counted in the table (beyond 1% in a warm-up they fail it).",
    'All 50 connections start together, so a round first waits for that burst: with few answers per round (short rounds, a busy machine) req/s and CPU per request are distorted; the figures to trust come from 30 s rounds on a quiet machine.',
    "The subgraphs answer Product entities from inventory's own data, as The Guild's do, so shippingEstimate is null although price and weight are fetched for @requires; the answer is byte-for-byte the one their k6 check expects.",
  ];
  return { markdown: markdown(summaries, shape, notes), summary: goalLines(summaries) };
}

export const bench: Bench = {
  name: 'gateways',
  title:
    "Gateways on The Guild's federation benchmark: ours vs vanilla @apollo/gateway vs Hive Gateway",
  needsKafka: true,
  run,
};
