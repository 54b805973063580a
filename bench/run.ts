import { ensureKafka, stopKafka } from '../scripts/lib/infra.js';
import type { Bench } from './lib/bench.js';
import { stamp, writeSection, BENCHMARKS_FILE } from './lib/report.js';

/**
 * `npm run bench` runs every benchmark in turn; `npm run bench -- <name>…`
 * runs those. Each prints its figures and replaces its own section of
 * BENCHMARKS.md (date, commit, machine, load). Not part of `npm test`:
 * benchmarks want a quiet machine and minutes, tests want neither.
 */

const BENCHES: Record<string, () => Promise<Bench>> = {};

/** Registered lazily so one benchmark's imports never slow another's start. */
export function register(name: string, load: () => Promise<Bench>): void {
  BENCHES[name] = load;
}

// Each benchmark module registers itself here (one line each).
register('subscriptions', async () => (await import('./subscriptions.js')).bench);
register('checkout', async () => (await import('./checkout.js')).bench);
register('operations', async () => (await import('./operations.js')).bench);
register('gateways', async () => (await import('./gateways.js')).bench);

async function main() {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((name) => !BENCHES[name]);
  if (unknown.length) {
    console.error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`,
    );
    process.exit(2);
  }
  const names = asked.length ? asked : Object.keys(BENCHES);
  const benches = await Promise.all(names.map((name) => BENCHES[name]!()));

  let kafkaLaunched = false;
  if (benches.some((b) => b.needsKafka)) {
    await ensureKafka(
      process.env,
      (line) => console.log(line),
      () => (kafkaLaunched = true),
    );
  }
  const summary: string[] = [];
  let failed = false;
  try {
    for (const bench of benches) {
      console.log(`\n==> ${bench.name}: ${bench.title}`);
      const at = stamp();
      try {
        const result = await bench.run();
        writeSection(bench.name, bench.title, result.markdown, at);
        summary.push(`${bench.name}:`, ...result.summary.map((line) => `  ${line}`));
      } catch (err) {
        failed = true;
        console.error(`${bench.name} failed:`, err);
        summary.push(`${bench.name}: FAILED (${(err as Error).message})`);
      }
    }
  } finally {
    if (kafkaLaunched && !process.env.KEEP_KAFKA) await stopKafka(process.env).catch(() => {});
  }
  console.log(`\n==> summary (written to ${BENCHMARKS_FILE})\n${summary.join('\n')}`);
  process.exit(failed ? 1 : 0);
}

await main();
