import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runMain } from '../platform/lifecycle.js';
import { StartupError } from '../platform/startup-error.js';
import { stopKafka } from './lib/infra.js';
import { preflight } from './lib/preflight.js';
import {
  ALL_SERVICES,
  addressOf,
  availableServices,
  startStack,
  type StackHandle,
  type StackService,
} from './lib/stack.js';

/**
 * `npm start`: the whole system on this machine, one command. Ensures Kafka,
 * checks PostgreSQL and Redis, starts every service (each migrates its own
 * database at start-up), seeds, and prints the gateway's URL. One Ctrl-C (or
 * SIGTERM) stops every service it started, and the Kafka broker too if this
 * run started it, then exits 0.
 *
 *   npm start                              everything whose entry point exists
 *   npm start -- --services user,gateway   a subset
 *   npm start -- --no-seed --keep-kafka
 */

const USAGE = 'usage: npm start -- [--services user,product,…,gateway] [--no-seed] [--keep-kafka]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      services: { type: 'string' },
      'no-seed': { type: 'boolean', default: false },
      'keep-kafka': { type: 'boolean', default: false },
    },
    strict: true,
  });
  let services: StackService[] = availableServices();
  if (values.services) {
    const names = values.services.split(',').map((s) => s.trim());
    const unknown = names.filter((n) => !ALL_SERVICES.includes(n as StackService));
    if (unknown.length) throw new StartupError(`unknown service ${unknown.join(', ')}; ${USAGE}`);
    services = names as StackService[];
  }
  if (services.length === 0) throw new StartupError('no service entry point exists yet');
  return { services, seed: !values['no-seed'], keepKafka: values['keep-kafka'] };
}

type SeedFn = (gatewayUrl: string, env: NodeJS.ProcessEnv) => Promise<void>;

/** The seed module is written separately; start works with or without it. */
async function loadSeed(): Promise<SeedFn | null> {
  const file = fileURLToPath(new URL('./seed.ts', import.meta.url));
  if (!existsSync(file)) return null;
  // A computed specifier: the type checker must not require the file to exist.
  const specifier = './seed.js';
  const mod = (await import(specifier)) as { seed?: unknown };
  if (typeof mod.seed !== 'function') throw new StartupError('scripts/seed.ts exports no seed()');
  return mod.seed as SeedFn;
}

function publicUrl(service: StackService): string {
  return `http://localhost:${addressOf(service, process.env).port}/graphql`;
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${(err as Error).message}; ${USAGE}`);
  }
  const abort = new AbortController();
  let stack: StackHandle | null = null;
  let kafkaLaunched = false;
  let exiting = false;
  let startup: Promise<unknown> = Promise.resolve();

  const shutdown = async (code: number, reason: string): Promise<void> => {
    if (exiting) return; // a terminal may deliver Ctrl-C more than once; one stop is enough
    exiting = true;
    console.log(`\nstopping (${reason})…`);
    abort.abort();
    await startup.catch(() => undefined); // an interrupted start-up stops what it started
    const exits = stack ? await stack.stop() : [];
    for (const e of exits.filter((x) => x.code !== 0)) {
      console.error(`${e.name} stopped with ${e.signal ?? `code ${e.code}`}`);
    }
    if (kafkaLaunched && !options.keepKafka) {
      await stopKafka().catch((err: unknown) => console.error((err as Error).message));
    }
    console.log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));

  startup = (async () => {
    await preflight({
      env: process.env,
      services: options.services,
      onKafkaLaunch: () => {
        kafkaLaunched = true;
      },
    });
    if (abort.signal.aborted) return;
    stack = await startStack({
      env: process.env,
      services: options.services,
      signal: abort.signal,
      onExit: (name, code, signal) => {
        console.error(
          `${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
        );
        void shutdown(1, `${name} exited`);
      },
    });
    if (abort.signal.aborted) return;
    const seed = options.seed && stack.gatewayUrl ? await loadSeed() : null;
    if (seed && stack.gatewayUrl) {
      try {
        await seed(stack.gatewayUrl, process.env);
      } catch (err) {
        throw new StartupError(`seeding failed: ${(err as Error).message}`);
      }
    }
  })();

  try {
    await startup;
  } catch (err) {
    if (exiting) return; // interrupted: shutdown() reports and exits
    // Stop whatever did start (Kafka included), then let runMain print the one line.
    exiting = true;
    await (stack as StackHandle | null)?.stop();
    if (kafkaLaunched && !options.keepKafka) await stopKafka().catch(() => undefined);
    throw err;
  }
  if (exiting) return;

  const seconds = (performance.now() / 1000).toFixed(1);
  if (options.services.includes('gateway')) {
    console.log(`\nGateway ready: ${publicUrl('gateway')} (started in ${seconds}s; Ctrl-C stops)`);
  } else {
    const list = options.services.map((s) => `${s} ${publicUrl(s)}`).join(', ');
    console.log(`\nReady: ${list} (started in ${seconds}s; Ctrl-C stops)`);
  }
}

runMain(main);
