import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/infra.js';
import { dropDatabases } from '../test/support/cleanup.js';

/**
 * Measures `npm start` → the gateway answering a query, as a developer sees
 * it, with the Kafka jars already cached:
 *
 *   cold: no broker running (npm start launches one) and no databases yet;
 *   warm: the broker already runs and the databases exist.
 *
 * Runs in isolation from a development stack: its own broker (private
 * KAFKA_HOME sharing the cached jars, own ports), ports 4300-4305, databases
 * `ecommerce_bench_*`. Usage: node --import tsx bench/startup.ts [runs]
 */

const KAFKA_VERSION = '3.9.2';
const runs = Number(process.argv[2] ?? 2);
const defaultHome =
  process.env.KAFKA_HOME ??
  path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'ecommerce-supergraph',
    'kafka',
  );
const jars = path.join(defaultHome, `libs-${KAFKA_VERSION}`);
if (!existsSync(path.join(jars, '.complete'))) {
  console.error(`Kafka jars are not cached in ${jars}; run: npm run kafka:start (once)`);
  process.exit(1);
}

const home = mkdtempSync(path.join(os.tmpdir(), 'kafka-bench-'));
symlinkSync(jars, path.join(home, `libs-${KAFKA_VERSION}`));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_HOME: home,
  KAFKA_PORT: '19392',
  KAFKA_CONTROLLER_PORT: '19393',
  KAFKA_BROKERS: 'localhost:19392',
  KAFKA_TOPIC_PREFIX: 'bench.',
  REDIS_KEY_PREFIX: 'bench:',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ecommerce_bench',
  GATEWAY_PORT: '4300',
  USER_PORT: '4301',
  PRODUCT_PORT: '4302',
  ORDER_PORT: '4303',
  INVENTORY_PORT: '4304',
  PAYMENT_PORT: '4305',
  NO_COLOR: '1',
};

async function gatewayAnswers(): Promise<boolean> {
  try {
    const res = await fetch('http://127.0.0.1:4300/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A real query, planned by the gateway and answered by a subgraph.
      body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id } } } }' }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await res.json()) as { data?: { products?: unknown }; errors?: unknown };
    return res.status === 200 && !body.errors && Boolean(body.data?.products);
  } catch {
    return false;
  }
}

async function once(label: string, keepKafka: boolean): Promise<number> {
  const started = Date.now();
  const args = ['start', '--', ...(keepKafka ? ['--keep-kafka'] : [])];
  const child = spawn('npm', args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  let answered = 0;
  while (!answered && child.exitCode === null && Date.now() - started < 180_000) {
    if (await gatewayAnswers()) answered = Date.now() - started;
    else await new Promise((r) => setTimeout(r, 100));
  }
  // Wait for the seed and the ready line too, so the next run starts from a settled state.
  while (!/Gateway ready/.test(output) && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const printed = /started in ([\d.]+)s/.exec(output)?.[1];
  child.kill('SIGINT');
  const code = await exited;
  if (!answered || code !== 0) {
    console.error(output.slice(-4000));
    throw new Error(`${label}: gateway answered=${answered} exit=${code}`);
  }
  console.log(
    `${label} [load ${os.loadavg()[0]!.toFixed(1)}]: gateway answering a products query after ${(answered / 1000).toFixed(1)}s; "Gateway ready" (after seeding) at ${printed}s; exit ${code}`,
  );
  return answered;
}

try {
  await dropDatabases(env.DATABASE_URL!, 'ecommerce_bench');
  console.log(
    `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}; node ${process.version}`,
  );
  // --keep-kafka throughout, so the warm runs find the broker the cold run launched.
  await once('cold (broker launched by npm start, fresh databases)', true);
  for (let i = 1; i < runs; i++) await once(`warm #${i} (broker running, databases exist)`, true);
} finally {
  await new Promise((resolve) =>
    spawn('bash', [path.join(REPO_ROOT, 'infra/kafka/kafka.sh'), 'stop'], {
      env,
      stdio: 'ignore',
    }).once('close', resolve),
  );
  rmSync(home, { recursive: true, force: true });
  await dropDatabases(env.DATABASE_URL!, 'ecommerce_bench').catch(() => undefined);
}
