import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, stopKafka } from '../../scripts/lib/infra.js';
import { preflight } from '../../scripts/lib/preflight.js';
import { availableServices, startStack, type StackHandle } from '../../scripts/lib/stack.js';
import { deleteKafkaNames, deleteRedisKeys, dropDatabases } from './cleanup.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { TEST_DATABASE, TEST_PREFIX_PATTERN, buildTestEnv, newRunId } from './test-env.js';
import './provided.js';

/**
 * Once per `vitest run`: prepares the infrastructure exactly as `npm start`
 * does (Kafka started, jars fetched on a fresh machine; PostgreSQL and Redis
 * checked), then starts every service that exists on the test ports with an
 * isolated environment, and hands the gateway's URL to the tests. Service
 * logs go to .cache/test-logs/<service>.log.
 */

export const LOG_DIR = path.join(REPO_ROOT, '.cache', 'test-logs');

const say = (line: string) => console.log(`[test-setup] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = newRunId();
  const env: Record<string, string> = {
    ...buildTestEnv({ runId }),
    // A shared test host stalls for seconds at times (stolen CPU); the gateway
    // would then shed the next requests with 429, failing whichever test sent
    // them. Shedding has tests of its own (gateway/edge/overload.test.ts);
    // benchmarks keep it on, as shipped.
    OVERLOAD_DELAY: '0',
  };
  const services = availableServices();
  let kafkaLaunched = false;
  try {
    await preflight({
      env,
      services,
      onLine: (line) => console.log(line),
      onKafkaLaunch: () => {
        kafkaLaunched = true;
      },
    });
  } catch (err) {
    // The one line that says what to fix, before vitest's own report of the failure.
    console.error(`[test-setup] ${(err as Error).message}`);
    if (kafkaLaunched && !process.env.KEEP_KAFKA) await stopKafka(env).catch(() => undefined);
    throw err;
  }

  const lock: RunLock = await acquireRunLock(env.DATABASE_URL!, (holder) =>
    say(`another test run holds the test stack (${holder}); waiting for it to finish…`),
  );
  let stack: StackHandle | null = null;
  const logs = new Map<string, WriteStream>();
  const teardown = async () => {
    await stack?.stop();
    for (const stream of logs.values()) stream.end();
    // Leftovers are harmless (every name carries the run id) but would pile up.
    const mine = (name: string) => name.startsWith(`test-${runId}`);
    await deleteKafkaNames(env.KAFKA_BROKERS!, mine).catch((err: Error) =>
      say(`could not delete this run's topics: ${err.message}`),
    );
    await deleteRedisKeys(env.REDIS_URL!, `test-${runId}:*`).catch(() => 0);
    await lock.release();
    if (kafkaLaunched && !process.env.KEEP_KAFKA) await stopKafka(env).catch(() => undefined);
  };

  try {
    const dropped = await dropDatabases(env.DATABASE_URL!, TEST_DATABASE);
    if (dropped.length) say(`dropped ${dropped.length} database(s) of earlier runs`);
    // Under the lock no other run is live: whatever carries a test prefix is stale.
    await deleteKafkaNames(env.KAFKA_BROKERS!, (n) => TEST_PREFIX_PATTERN.test(n));

    mkdirSync(LOG_DIR, { recursive: true });
    for (const service of services) {
      logs.set(service, createWriteStream(path.join(LOG_DIR, `${service}.log`), { flags: 'w' }));
    }
    const started = Date.now();
    say(`starting ${services.join(', ')} (run ${runId}; logs in .cache/test-logs/)`);
    stack = await startStack({
      env,
      services,
      logPrefix: false,
      onLine: (service, line) => {
        const stream = logs.get(service);
        if (stream && !stream.writableEnded) stream.write(`${line}\n`);
      },
      onExit: (service, code, signal) =>
        say(`${service} exited during the run (${signal ?? `code ${code}`}); see its log`),
    });
    say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } catch (err) {
    // The error already names the service and shows its last lines.
    console.error(`[test-setup] ${(err as Error).message}`);
    console.error(`[test-setup] full logs: ${LOG_DIR}`);
    await teardown();
    throw err;
  }

  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide(
    'serviceUrls',
    Object.fromEntries(stack.services.map((s) => [s.name, s.url] as const)),
  );
  project.provide('testEnv', env);
  project.provide('testRunId', runId);
  return teardown;
}
