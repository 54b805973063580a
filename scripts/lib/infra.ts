import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { postgresUnreachable } from '../../platform/db.js';
import { StartupError } from '../../platform/startup-error.js';

/**
 * The infrastructure a stack needs before any service starts: a Kafka broker
 * (started by the project unless KAFKA_BROKERS names another cluster), and the
 * machine's PostgreSQL and Redis (checked, never started: they are system
 * services). Every failure is a StartupError whose message is one line saying
 * what is wrong and how to fix it.
 */

/** The repository: the nearest folder with a package.json (also from a compiled copy in .cache/build). */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no package.json above scripts/lib');
    dir = parent;
  }
  return dir + path.sep;
}

export const REPO_ROOT = repositoryRoot();
const KAFKA_SCRIPT = path.join(REPO_ROOT, 'infra', 'kafka', 'kafka.sh');

/** Both checks must answer (or fail) well before a human wonders whether start-up hangs. */
const CHECK_TIMEOUT_MS = 3_000;

export type LineSink = (line: string) => void;

export interface KafkaStart {
  /** True when this call launched the broker (so its caller should stop it again). */
  started: boolean;
}

/**
 * Runs `kafka.sh start` with the given environment, streaming its lines. The
 * script is idempotent (a running broker is reused, storage is formatted only
 * once, jars are fetched only on a fresh machine) and itself honours
 * KAFKA_BROKERS; its last line on failure already says what to do.
 */
export async function ensureKafka(
  env: NodeJS.ProcessEnv = process.env,
  onLine: LineSink = (line) => console.log(line),
  /** Called as soon as the script launches a broker, even if start-up then fails or is interrupted. */
  onLaunch?: () => void,
): Promise<KafkaStart> {
  let started = false;
  await runKafkaScript('start', env, (line) => {
    if (/^\[kafka\] starting Kafka/.test(line)) {
      started = true;
      onLaunch?.();
    }
    onLine(line);
  });
  return { started };
}

/** Stops the broker kafka.sh started (a no-op when it is not running). */
export function stopKafka(
  env: NodeJS.ProcessEnv = process.env,
  onLine: LineSink = (line) => console.log(line),
): Promise<void> {
  return runKafkaScript('stop', env, onLine);
}

export function runKafkaScript(
  command: 'start' | 'stop' | 'status' | 'install',
  env: NodeJS.ProcessEnv = process.env,
  onLine: LineSink = (line) => console.log(line),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastLine = '';
    const forward = (line: string) => {
      if (line.trim()) lastLine = line;
      onLine(line);
    };
    createInterface({ input: child.stdout }).on('line', forward);
    createInterface({ input: child.stderr }).on('line', forward);
    child.once('error', (err) => {
      reject(new StartupError(`could not run ${KAFKA_SCRIPT}: ${err.message}`));
    });
    child.once('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new StartupError(
            lastLine.replace(/^\[kafka\] (error: )?/, 'Kafka: ') ||
              `kafka.sh ${command} failed (exit ${code})`,
          ),
        );
    });
  });
}

function hostPort(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || defaultPort}`;
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.code ?? e?.message ?? 'unknown error';
}

/** A SQLSTATE means the server answered and refused (bad password, no such role…). */
function isServerRefusal(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Connects to the server's maintenance database (each service creates its own
 * database, so the one in the URL need not exist yet).
 */
export async function checkPostgres(url: string): Promise<void> {
  let admin: URL;
  try {
    admin = new URL(url);
  } catch {
    throw new StartupError('configuration error: DATABASE_URL must be a postgres:// URL');
  }
  admin.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: CHECK_TIMEOUT_MS,
  });
  // A server that dies mid-check emits 'error' on the client; never let that crash us.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    if (isServerRefusal(err)) {
      throw new StartupError(
        `PostgreSQL at ${hostPort(url, 5432)} refused the connection (${err.code}: ${err.message}); check DATABASE_URL`,
      );
    }
    // "timeout expired" is pg's wording for a connection that never completed.
    const code = /timeout/i.test((err as Error)?.message ?? '') ? 'ETIMEDOUT' : errorCode(err);
    throw postgresUnreachable(url, { code });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(url: string): Promise<void> {
  const target = (() => {
    try {
      return hostPort(url, 6379);
    } catch {
      throw new StartupError('configuration error: REDIS_URL must be a redis:// URL');
    }
  })();
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    commandTimeout: CHECK_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // One attempt: this is a check, not a client that should keep trying.
    retryStrategy: () => null,
  });
  let lastError: unknown;
  redis.on('error', (err) => {
    lastError = err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    const cause = lastError ?? err;
    const message = (cause as Error)?.message ?? '';
    if (/NOAUTH|WRONGPASS|invalid password/i.test(message)) {
      throw new StartupError(
        `Redis at ${target} refused the connection (${message}); check REDIS_URL`,
      );
    }
    throw new StartupError(
      `Redis at ${target} is unreachable (${errorCode(cause)}); start it with: redis-server --daemonize yes, or set REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
}
