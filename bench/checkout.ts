import {
  ALL_SERVICES,
  startStack,
  type StackHandle,
  type StackOptions,
} from '../scripts/lib/stack.js';
import { dropDatabases } from '../test/support/cleanup.js';
import { removeRunData } from './lib/cleanup.js';
import { buildTestEnv, newRunId } from '../test/support/test-env.js';
import type { Bench } from './lib/bench.js';
import { analysePhase } from './checkout/analysis.js';
import { BacklogProbe, type BacklogSnapshot } from './checkout/backlog.js';
import { GatewayClient } from './checkout/client.js';
import { findKafkaBroker, sampleCpu } from './checkout/cpu.js';
import { ServiceDatabases } from './checkout/db.js';
import { adminToken, createCatalogue, signUpCustomers } from './checkout/fixtures.js';
import { measureHops } from './checkout/hops.js';
import { runPhase } from './checkout/load.js';
import { OutcomeTracker } from './checkout/outcomes.js';
import { checkOversell } from './checkout/oversell.js';
import { statusesOf } from './checkout/unseen.js';
import { markdown, summary, type PhaseResult } from './checkout/report.js';

/**
 * Checkout under load: placeOrder at fixed arrival rates (open loop), each
 * order followed to CONFIRMED through the gateway's subscription; per phase
 * the latencies, whether the system kept up, where the backlog sat and which
 * process burnt the CPU; at the end, the zero-oversell check.
 *
 * Own stack on ports 4500-4506, databases `ecommerce_bench_checkout_*`, its
 * own topic prefix (`bench-<run>.`, which the test suite's clean-up of
 * stale `test-` topics leaves alone) and Redis prefix; all removed at the end.
 *
 *   npm run bench -- checkout
 *   BENCH_CHECKOUT_SECONDS=10 BENCH_CHECKOUT_RATES=50,200,400 npm run bench -- checkout
 *
 * BENCH_CHECKOUT_SECONDS (default 60) per phase; BENCH_CHECKOUT_RATES
 * (default 50,100,200,400,500,600; rates above 400 run only while the
 * previous phase was sustained); BENCH_CHECKOUT_CUSTOMERS (default 200);
 * BENCH_PROFILE=<dir>: every service writes a CPU profile there when it stops
 * (summarise one with bench/gateways/profile-summary.ts).
 */

const DATABASE = 'ecommerce_bench_checkout';
const SECONDS = Number(process.env.BENCH_CHECKOUT_SECONDS ?? 60);
const RATES = (process.env.BENCH_CHECKOUT_RATES ?? '50,100,200,400,500,600')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
/** The phases: they run even after one was not sustained. */
const REQUIRED_RATES = new Set([50, 100, 200, 400]);
const CUSTOMERS = Number(process.env.BENCH_CHECKOUT_CUSTOMERS ?? 200);
const CATALOGUE = { plentiful: 40, plentifulStock: 1_000_000, limited: 4, limitedStock: 25 };
/** How long after its schedule a phase may take to finish its orders before it counts as not drained. */
const DRAIN_TIMEOUT_MS = Math.max(30_000, 2 * SECONDS * 1000);
/** Beyond that, how long to wait for the system to settle before the next phase. */
const SETTLE_TIMEOUT_MS = 300_000;

const say = (line: string) => console.log(`[checkout] ${line}`);

/** `--cpu-prof` for every service, profiles written into `dir` when each stops. */
function profileArgs(dir: string | undefined): StackOptions['nodeArgs'] {
  if (!dir) return undefined;
  return Object.fromEntries(
    ALL_SERVICES.map((service) => [
      service,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${service}.cpuprofile`],
    ]),
  );
}

function benchEnv(runId: string): Record<string, string> {
  const env = buildTestEnv({ runId, portOffset: 500, database: DATABASE });
  return {
    ...env,
    LOG_LEVEL: 'warn',
    KAFKA_TOPIC_PREFIX: `bench-${runId}.`,
    REDIS_KEY_PREFIX: `bench-${runId}:`,
    // Every phase places far more than 120 orders a minute per customer; the
    // limiter still runs (one Redis round trip per request), it just never refuses.
    RATE_LIMIT_POINTS: '1000000000',
    RATE_LIMIT_PLACE_ORDER_POINTS: '1000000000',
    // Tokens outlive the run, so no subscription ends with UNAUTHENTICATED mid-phase.
    ACCESS_TOKEN_TTL: '6h',
  };
}

/** Warnings and errors the services print (LOG_LEVEL=warn), counted by service and message. */
function logCounter() {
  const counts = new Map<string, number>();
  return {
    onLine(service: string, line: string) {
      let message = line;
      try {
        message = String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
      } catch {
        // Not JSON (a stack trace line): counted as it is.
      }
      const key = `${service}: ${message.slice(0, 160)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    lines: () =>
      [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([key, n]) => `${key} (×${n})`),
  };
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

async function run() {
  const runId = `chk${newRunId()}`;
  const env = benchEnv(runId);
  const logs = logCounter();
  const db = new ServiceDatabases(env);
  const probe = new BacklogProbe(env.KAFKA_BROKERS!, env.KAFKA_TOPIC_PREFIX!, db);
  const gateway = new GatewayClient(`http://127.0.0.1:${env.GATEWAY_PORT}/graphql`);
  const tracker = new OutcomeTracker(gateway.url.replace(/^http/, 'ws'));
  let stack: StackHandle | null = null;
  try {
    await dropDatabases(env.DATABASE_URL!, DATABASE);
    say(
      `starting the stack (run ${runId}, ports ${env.GATEWAY_PORT}-${Number(env.GATEWAY_PORT) + 6})`,
    );
    stack = await startStack({
      env,
      logPrefix: false,
      readyTimeoutMs: 180_000,
      onLine: (service, line) => logs.onLine(service, line),
      nodeArgs: profileArgs(process.env.BENCH_PROFILE),
    });

    const admin = await adminToken(gateway, env);
    say(`creating ${CUSTOMERS} customers and ${CATALOGUE.plentiful + CATALOGUE.limited} products`);
    const customers = await signUpCustomers(gateway, CUSTOMERS);
    const catalogue = await createCatalogue(gateway, admin, CATALOGUE);
    await tracker.open(customers);

    // Warm-up: one order per customer proves every subscription delivers
    // (graphql-ws has no "subscribed" acknowledgement) and warms every path.
    say('warm-up: one order per customer');
    const warm = await runPhase({
      rate: 40,
      seconds: customers.length / 40,
      drainTimeoutMs: 60_000,
      client: gateway,
      customers,
      catalogue,
      tracker,
      retryRefused: true,
    });
    if (warm.drainedAt === null || warm.orders.some((o) => !o.orderId)) {
      throw new Error(
        `warm-up orders did not all finish: ${warm.orders.find((o) => o.error)?.error ?? 'no final state seen on the subscription'}`,
      );
    }

    const processes = [
      ...stack.services.map((s) => ({ name: s.name, pid: s.pid })),
      ...((broker) => (broker ? [{ name: 'kafka broker (shared)', pid: broker }] : []))(
        findKafkaBroker(),
      ),
    ];
    const phases: PhaseResult[] = [];
    for (const rate of RATES) {
      const previous = phases.at(-1)?.figures;
      if (previous && !previous.sustained && !REQUIRED_RATES.has(rate)) {
        say(`skipping ${rate}/s: ${previous.rate}/s was not sustained`);
        continue;
      }
      say(`phase ${rate} orders/s for ${SECONDS} s`);
      const cpu = sampleCpu(processes, db, DATABASE);
      let backlog: BacklogSnapshot | null = null;
      const snapshotAt = setTimeout(
        () =>
          void probe.snapshot().then(
            (s) => (backlog = s),
            (err: Error) => say(`backlog snapshot failed: ${err.message}`),
          ),
        SECONDS * 1000 - 100,
      );
      const run = await runPhase({
        rate,
        seconds: SECONDS,
        drainTimeoutMs: DRAIN_TIMEOUT_MS,
        client: gateway,
        customers,
        catalogue,
        tracker,
        onSample: (s) =>
          say(
            `  ${rate}/s t=${(s.t / 1000).toFixed(0)}s sent=${s.sent} answered=${s.answered} finished=${s.finished} backlog=${s.sent - s.finished}`,
          ),
      });
      clearTimeout(snapshotAt);
      const shares = await cpu.stop();
      const figures = analysePhase(run, tracker.outcomes);
      say(
        `  → ${figures.verdict}${figures.refused && figures.keptUpWithAdmitted ? ' (shed: admitted orders kept up)' : ''}; admitted ${figures.admittedPerSecond.toFixed(0)}/s, refused ${figures.refused} (p99 ${figures.refusedP99.toFixed(0)} ms); admitted HTTP p99 ${figures.httpP99.toFixed(0)} ms, CONFIRMED p50 ${figures.confirmP50.toFixed(0)} / p99 ${figures.confirmP99.toFixed(0)} ms`,
      );
      const settled = await waitUntil(
        () => run.orders.every((o) => !o.orderId || tracker.outcomes.has(o.orderId)),
        SETTLE_TIMEOUT_MS,
      );
      const hops = await measureHops(db, run, tracker.outcomes);
      const unseen = settled
        ? undefined
        : await statusesOf(
            db,
            run.orders.flatMap((o) =>
              o.orderId && !tracker.outcomes.has(o.orderId) ? [o.orderId] : [],
            ),
          );
      phases.push({ figures, backlog, cpu: shares, hops, unseen });
      if (unseen) {
        say(
          `the system did not settle (unseen orders by status: ${JSON.stringify(unseen)}); no further phases`,
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }

    const oversell = await checkOversell(db, gateway, [
      ...catalogue.plentiful,
      ...catalogue.limited,
    ]);
    const result = {
      setup: [
        `Own stack (5 subgraphs, gateway, notifications worker; LOG_LEVEL=warn) on the shared Kafka broker and PostgreSQL; ${customers.length} customers, each with one \`myOrderUpdates\` subscription (graphql-ws) opened before the first phase; ${CATALOGUE.plentiful} products with ample stock and ${CATALOGUE.limited} with ${CATALOGUE.limitedStock} units each.`,
        `Open-loop placeOrder (the storefront's \`PlaceOrder\`, customers in turn, 1–2 lines, \`pm_card_visa\`) at each rate for ${SECONDS} s, after a warm-up of one order per customer. The rate limits are raised for the run (RATE_LIMIT_POINTS and RATE_LIMIT_PLACE_ORDER_POINTS = 10⁹): the limiter still runs on every request. The order service's admission control runs with its defaults: calls it refuses (RATE_LIMITED) are counted apart from errors and not retried.`,
      ].join(' '),
      phases,
      oversell,
      logs: logs.lines(),
    };
    if (oversell.violations.length) {
      console.error(markdown(result));
      throw new Error(`OVERSOLD: ${oversell.violations.join('; ')}`);
    }
    return { markdown: markdown(result), summary: summary(result) };
  } finally {
    await tracker.close().catch(() => undefined);
    await probe.close();
    await db.close().catch(() => undefined);
    await stack?.stop();
    await removeRunData(env, DATABASE);
  }
}

export const bench: Bench = {
  name: 'checkout',
  title: 'Checkout: placeOrder → CONFIRMED at fixed arrival rates',
  needsKafka: true,
  run,
};
