import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/infra.js';
import { freePort, ps } from '../support/processes.js';

/**
 * infra/kafka/kafka.sh against a broker of its own: a private KAFKA_HOME and
 * free ports, so neither the development broker nor the test stack's is
 * touched. The jars are shared with the default home when they are there
 * (fetching them again would test Maven, not the script).
 */

const SCRIPT = path.join(REPO_ROOT, 'infra', 'kafka', 'kafka.sh');
const VERSION = '3.9.2';
const CLUSTER_ID = '-_WbAAjNxXqoAaP4TDrq0g';
const defaultHome =
  process.env.KAFKA_HOME ??
  path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'ecommerce-supergraph',
    'kafka',
  );

let home = '';
let port = 0;
let env: NodeJS.ProcessEnv = {};

function script(
  command: string,
  overrides: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, command], {
      env: { ...env, ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Brokers whose configuration lives in our private home, per `ps`. */
const ourBrokers = () =>
  ps().filter((p) => p.args.includes('kafka.Kafka') && p.args.includes(home));

describe('kafka.sh', () => {
  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'kafka-script-test-'));
    const libs = path.join(defaultHome, `libs-${VERSION}`);
    if (existsSync(path.join(libs, '.complete')))
      symlinkSync(libs, path.join(home, `libs-${VERSION}`));
    port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    env = {
      ...process.env,
      KAFKA_HOME: home,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_BROKERS: `localhost:${port}`,
      // Starts with "-", which the storage tool once took for an option (1 run in 64 failed).
      KAFKA_CLUSTER_ID: CLUSTER_ID,
    };
  });

  afterAll(async () => {
    if (home) {
      await script('stop');
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('starts one broker even when started twice at once, and says where its log is', async () => {
    const [first, second] = await Promise.all([script('start'), script('start')]);
    expect(first.code, first.output).toBe(0);
    expect(second.code, second.output).toBe(0);
    const both = first.output + second.output;
    expect(both).toContain(`formatting storage in ${home}/data (cluster ${CLUSTER_ID})`);
    expect(both).toMatch(/already running \(pid \d+\)/);
    expect(both).toContain(`log: ${home}/kafka.log`);
    expect(ourBrokers()).toHaveLength(1);

    const third = await script('start');
    expect(third.code).toBe(0);
    expect(third.output).toMatch(/already running/);
    expect(ourBrokers()).toHaveLength(1);
  }, 240_000);

  it('reports status with exit code 0 while the broker runs', async () => {
    const { code, output } = await script('status');
    expect(code).toBe(0);
    expect(output).toContain(`running (pid ${ourBrokers()[0]!.pid}) on localhost:${port}`);
  });

  it('starts nothing when KAFKA_BROKERS names a cluster that answers, and uses it', async () => {
    const elsewhere = await freePort();
    const { code, output } = await script('start', {
      KAFKA_PORT: String(elsewhere),
      KAFKA_BROKERS: `127.0.0.1:${port}`,
    });
    expect(code, output).toBe(0);
    expect(output).toContain(
      `using the cluster at KAFKA_BROKERS=127.0.0.1:${port}; nothing started`,
    );
    expect(ourBrokers()).toHaveLength(1);
  });

  it('fails with one clear line when KAFKA_BROKERS names a cluster that does not answer', async () => {
    const closed = await freePort();
    const { code, output } = await script('start', { KAFKA_BROKERS: `127.0.0.1:${closed}` });
    expect(code).not.toBe(0);
    expect(output.trim().split('\n')).toEqual([
      `[kafka] error: KAFKA_BROKERS=127.0.0.1:${closed} does not answer; start that cluster, or unset KAFKA_BROKERS to run a local broker`,
    ]);
  });

  it('carries a message from a producer to a consumer through the broker', async () => {
    const kafka = new Kafka({
      clientId: 'kafka-script-test',
      brokers: [`localhost:${port}`],
      logLevel: logLevel.NOTHING,
    });
    const topic = `script-test-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const value = `hello ${randomUUID()}`;
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 30s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString() ?? '');
        },
      });
    });
    await consumer.disconnect();
    expect(received).toBe(value);
  }, 90_000);

  it('stops the broker it started, leaving no process, and status then says so', async () => {
    const stop = await script('stop');
    expect(stop.code).toBe(0);
    expect(stop.output).toMatch(/stopped/);
    expect(ourBrokers()).toHaveLength(0);
    const status = await script('status');
    expect(status.code).toBe(3);
    expect(status.output).toMatch(/not running/);
  }, 60_000);
});
