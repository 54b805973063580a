import { goal, ms, ratio, table } from '../lib/report.js';
import {
  HIVE_BENCHMARK_ID,
  HIVE_PURE_ID,
  OURS_BEST_ID,
  OURS_ID,
  OURS_PURE_ID,
  OURS_PURE_WORKERS_ID,
  VANILLA_ID,
  type GatewayConfiguration,
} from './configurations.js';
import type { RoundResult } from './round.js';

/**
 * Turns the rounds into the BENCHMARKS.md section: one row per configuration
 * (means over its rounds, peak memory over all of them), the ratios, and the
 * two goals of the issue with met / not met.
 */

export interface Summary {
  config: GatewayConfiguration;
  rounds: RoundResult[];
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  rssMb: number;
  gatewayCpu: number;
  subgraphsCpu: number;
  cpuMsPerRequest: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summarise(config: GatewayConfiguration, rounds: RoundResult[]): Summary {
  // A round that answered nothing (an overloaded machine) has no latencies.
  const answered = rounds.filter((r) => r.requests > 0);
  const over = (pick: (r: RoundResult) => number) =>
    answered.length ? mean(answered.map(pick)) : NaN;
  return {
    config,
    rounds,
    rps: mean(rounds.map((r) => r.rps)),
    p50: over((r) => r.p50),
    p95: over((r) => r.p95),
    p99: over((r) => r.p99),
    rssMb: Math.max(...rounds.map((r) => r.rssMb)),
    gatewayCpu: mean(rounds.map((r) => r.gatewayCpu)),
    subgraphsCpu: mean(rounds.map((r) => r.subgraphsCpu)),
    cpuMsPerRequest: over((r) => r.cpuMsPerRequest),
  };
}

export interface RunShape {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number;
}

interface Goal {
  line: string;
  met: boolean | null;
}

function goals(byId: Map<string, Summary>): Goal[] {
  const rps = (id: string) => byId.get(id)?.rps;
  const check = (label: string, a: string, b: string, min: number): Goal => {
    const x = rps(a);
    const y = rps(b);
    if (x === undefined || y === undefined) {
      return { line: `${label}: not measured (${a} or ${b} not run)`, met: null };
    }
    const met = x / y >= min;
    return { line: `${label} ${ratio(x, y)} (goal ≥ ${min}×): ${goal(met)}`, met };
  };
  const best = byId.has(OURS_BEST_ID) ? OURS_BEST_ID : OURS_ID;
  return [
    check('Goal 1, pure execution: ours-pure / vanilla', OURS_PURE_ID, VANILLA_ID, 2),
    check(
      'Goal 1, pure execution: ours-pure / Hive Gateway (no deduplication)',
      OURS_PURE_ID,
      HIVE_PURE_ID,
      1.3,
    ),
    check(
      'Goal 1, pure execution, one process per core: ours-pure-workers / vanilla',
      OURS_PURE_WORKERS_ID,
      VANILLA_ID,
      2,
    ),
    check(
      'Goal 1, pure execution, one process per core: ours-pure-workers / Hive Gateway (no deduplication)',
      OURS_PURE_WORKERS_ID,
      HIVE_PURE_ID,
      1.3,
    ),
    check(
      `Goal 2, best production configs: ${best} / Hive Gateway (Guild config, with deduplication)`,
      best,
      HIVE_BENCHMARK_ID,
      1,
    ),
  ];
}

export function goalLines(summaries: Summary[]): string[] {
  return goals(new Map(summaries.map((s) => [s.config.id, s]))).map((g) =>
    g.line.replaceAll('**', ''),
  );
}

export function markdown(summaries: Summary[], shape: RunShape, notes: string[]): string {
  const vanilla = summaries.find((s) => s.config.id === VANILLA_ID)?.rps ?? 0;
  const rows = summaries.map((s) => [
    s.config.id,
    s.config.gateway,
    s.config.mode,
    s.rps.toFixed(0),
    s.rounds.map((r) => r.rps.toFixed(0)).join(' / '),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
    `${s.rssMb.toFixed(0)} MB`,
    `${s.gatewayCpu.toFixed(0)}% / ${s.subgraphsCpu.toFixed(0)}%`,
    ms(s.cpuMsPerRequest),
    String(s.rounds.reduce((n, r) => n + r.errors, 0)),
    ratio(s.rps, vanilla),
  ]);
  const header = [
    'id',
    'gateway',
    'mode',
    'req/s',
    'req/s per round',
    'p50',
    'p95',
    'p99',
    'peak RSS',
    'CPU gateway / subgraphs',
    'gateway CPU per request',
    'socket errors',
    'vs vanilla',
  ];
  return [
    `The Guild's federation benchmark query (4 subgraphs, lean Node re-implementations in one process) from ${shape.connections} wrk connections; ${shape.rounds} alternating rounds per gateway (each started fresh, ${shape.warmupSeconds} s warm-up, ${shape.seconds} s measured). Figures are means over rounds (latencies and CPU per request over rounds that answered at all); RSS is the peak of the gateway's process tree; CPU is % of one core during the measured load, and the gateway's CPU time per answered request (what a request costs, whatever share of the machine the gateway got).`,
    '',
    table(header, rows),
    '',
    ...goals(new Map(summaries.map((s) => [s.config.id, s]))).map((g) => `- ${g.line}`),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}
