import { randomBytes } from 'node:crypto';
import { compiled } from '../../scripts/lib/build.js';
import { SERVICE_NAMES } from '../../platform/config.js';
import { HIVE_BIN, HIVE_DIR } from './hive.js';
import type { LaunchSpec } from './launch.js';

/**
 * The gateways and modes the benchmark measures, as data: each one says how
 * to start it on a port, serving a supergraph file. To measure another mode
 * of ours (a cluster of workers…), add its environment to OURS_BEST_ENV or
 * to BENCH_GATEWAYS_EXTRA ('{"ours-2-workers": {"GATEWAY_WORKERS": "2"}}');
 * no other code changes.
 */

export interface LaunchContext {
  port: number;
  supergraphFile: string;
  /** Scopes ours' Redis keys and Kafka topics to this run. */
  runId: string;
  /** Extra node options (the profiler's --cpu-prof). */
  nodeArgs: string[];
  /** The compiled services (scripts/lib/build.ts): ours runs as shipped, from JavaScript. */
  buildDir: string;
  /** The benchmark subgraphs' URLs by name (the supergraph's too). */
  subgraphUrls: Record<string, string>;
}

export interface GatewayConfiguration {
  id: string;
  gateway: 'ours' | 'vanilla @apollo/gateway' | 'Hive Gateway';
  mode: string;
  launch(ctx: LaunchContext): LaunchSpec;
}

/** Ours' Redis key and Kafka topic prefix for a run (removed by the bench afterwards). */
export const oursPrefix = (runId: string) => ({
  redis: `bench-gw-${runId}:`,
  kafka: `bench-gw-${runId}.`,
});

/**
 * The Guild query is 8 levels deep, uses no aliases, about 300 tokens and an
 * estimated cost well under 5000: no query limit needs raising. The rate
 * limit stays on (its Redis round trip per request is part of what we ship),
 * with a budget 50 connections cannot spend within a window.
 */
const RATE_LIMIT_POINTS = '1000000000';

// Fresh per process: production refuses the development secrets.
const SECRETS = {
  JWT_SECRET: randomBytes(32).toString('hex'),
  IDENTITY_SECRET: randomBytes(32).toString('hex'),
};

function oursAsShipped(ctx: LaunchContext): Record<string, string> {
  const prefix = oursPrefix(ctx.runId);
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    GATEWAY_PORT: String(ctx.port),
    SUPERGRAPH_FILE: ctx.supergraphFile,
    REDIS_KEY_PREFIX: prefix.redis,
    KAFKA_TOPIC_PREFIX: prefix.kafka,
    RATE_LIMIT_POINTS,
    ...SECRETS,
    ...subgraphUrlEnv(ctx.subgraphUrls),
  };
}

/**
 * `<NAME>_URL` for each of our five subgraph names: the Guild's subgraph of
 * that name (its `inventory`) where there is one, else unset. The gateway
 * takes a subgraph named like one of ours from its own configuration, not
 * from SUPERGRAPH_FILE, and would otherwise call our inventory's default
 * port; unset also keeps a developer's shell from pointing at a dev stack.
 */
function subgraphUrlEnv(urls: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_URL`, urls[name] ?? '']),
  );
}

function ours(id: string, mode: string, env: Record<string, string>): GatewayConfiguration {
  return {
    id,
    gateway: 'ours',
    mode,
    launch: (ctx) => ({
      args: [
        ...ctx.nodeArgs,
        '--import',
        compiled(ctx.buildDir, 'scripts/lib/exit-with-parent.ts'),
        compiled(ctx.buildDir, 'gateway/index.ts'),
      ],
      env: { ...oursAsShipped(ctx), ...env },
      plainNode: true,
    }),
  };
}

function hive(id: string, mode: string, extra: string[]): GatewayConfiguration {
  return {
    id,
    gateway: 'Hive Gateway',
    mode,
    launch: (ctx) => ({
      args: [
        ...ctx.nodeArgs,
        HIVE_BIN,
        'supergraph',
        ctx.supergraphFile,
        '--host',
        '127.0.0.1',
        '--port',
        String(ctx.port),
        ...extra,
      ],
      // As The Guild runs every gateway.
      env: { NODE_ENV: 'production' },
      // No gateway.config.* there, so "default" really loads no configuration.
      cwd: HIVE_DIR,
      plainNode: true,
    }),
  };
}

function envMap(variable: string): Record<string, Record<string, string>> {
  const raw = process.env[variable];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, Record<string, string>>;
  } catch {
    throw new Error(`${variable} must be JSON like {"ours-dedup": {"SOME_VAR": "1"}}`);
  }
}

/**
 * Ours in its best production configuration (goal 2), as environment on top
 * of ours as shipped (which already deduplicates identical in-flight
 * queries). Empty: goal 2 then uses ours as shipped. When a setting beats
 * the defaults in production (a cluster of workers, say), put it here, or
 * pass BENCH_OURS_BEST_ENV='{"NAME":"value"}' for one run.
 */
const OURS_BEST_ENV: Record<string, string> = { GATEWAY_WORKERS: 'auto' };

export const VANILLA_ID = 'vanilla';
/** Ours with nothing shared between requests: goal 1 (pure execution). */
export const OURS_PURE_ID = 'ours-pure';
/** The same, one gateway process per core (GATEWAY_WORKERS=auto): still no sharing between requests. */
export const OURS_PURE_WORKERS_ID = 'ours-pure-workers';
export const OURS_ID = 'ours';
export const OURS_BEST_ID = 'ours-best';
export const HIVE_PURE_ID = 'hive-pure';
export const HIVE_BENCHMARK_ID = 'hive-benchmark';

/** Every configuration known to this run (BENCH_GATEWAYS not applied), in round order. */
export function allConfigurations(): GatewayConfiguration[] {
  const bestEnv = process.env.BENCH_OURS_BEST_ENV
    ? (JSON.parse(process.env.BENCH_OURS_BEST_ENV) as Record<string, string>)
    : OURS_BEST_ENV;
  const all: GatewayConfiguration[] = [
    {
      id: VANILLA_ID,
      gateway: 'vanilla @apollo/gateway',
      mode: 'defaults: `new ApolloGateway({ supergraphSdl })` in @apollo/server 5',
      launch: (ctx) => ({
        args: [...ctx.nodeArgs, 'bench/gateways/vanilla.ts', ctx.supergraphFile, String(ctx.port)],
        env: { NODE_ENV: 'production' },
      }),
    },
    ours(OURS_PURE_ID, 'as shipped but `INFLIGHT_DEDUP=off` (no deduplication)', {
      INFLIGHT_DEDUP: 'off',
    }),
    ours(
      OURS_PURE_WORKERS_ID,
      '`INFLIGHT_DEDUP=off`, `GATEWAY_WORKERS=auto` (one process per core)',
      {
        INFLIGHT_DEDUP: 'off',
        GATEWAY_WORKERS: 'auto',
      },
    ),
    hive(HIVE_PURE_ID, 'no deduplication at all (`hive/pure.mjs`)', ['-c', 'pure.mjs']),
    hive('hive-default', 'defaults (merges identical in-flight subgraph requests)', []),
    ours(OURS_ID, 'as shipped (in-flight deduplication on by default)', {}),
    hive(
      HIVE_BENCHMARK_ID,
      "The Guild's published config: `inboundInflightRequestDeduplication: true`, `--jit`",
      ['-c', 'benchmark.mjs', '--jit'],
    ),
  ];
  if (Object.keys(bestEnv).length) {
    all.push(ours(OURS_BEST_ID, `best production config: ${JSON.stringify(bestEnv)}`, bestEnv));
  }
  for (const [id, env] of Object.entries(envMap('BENCH_GATEWAYS_EXTRA'))) {
    all.push(ours(id, JSON.stringify(env), env));
  }
  return all;
}

/** The configurations to measure: all, or those BENCH_GATEWAYS names (comma-separated ids). */
export function configurations(): GatewayConfiguration[] {
  const all = allConfigurations();
  const wanted = process.env.BENCH_GATEWAYS?.split(',').map((s) => s.trim());
  if (!wanted) return all;
  const unknown = wanted.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length) {
    throw new Error(
      `BENCH_GATEWAYS: unknown ${unknown.join(', ')}; known: ${all.map((c) => c.id).join(', ')}`,
    );
  }
  return all.filter((c) => wanted.includes(c.id));
}
