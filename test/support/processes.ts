import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/infra.js';
import { buildTestEnv } from './test-env.js';
import './provided.js';

/**
 * Helpers for tests about processes themselves: spawning an entry point or
 * script as a developer would, and checking with `ps` what is left running.
 */

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `node --import tsx <args>` from the repository root, to completion (or the timeout). */
export function runTs(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000) {
  return collect(spawnTs(args, env), timeoutMs);
}

export function spawnTs(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, timeoutMs = 30_000): Promise<RunResult> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Resolves once the child has printed a line matching `pattern` (on stdout or stderr). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 90_000) {
  return new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        cleanup();
        resolve(match[0]);
      }
    };
    const onClose = (code: number | null) => {
      cleanup();
      reject(new Error(`exited (${code}) before printing ${pattern}:\n${seen.slice(-3000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} within ${timeoutMs}ms:\n${seen.slice(-3000)}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', onClose);
  });
}

interface PsRow {
  pid: number;
  ppid: number;
  /** `ps` state: R, S, D, T… or Z for a zombie (exited, not yet reaped by its parent). */
  stat: string;
  args: string;
}

/**
 * Live processes. Zombies are left out: they have exited and hold nothing
 * but a table entry until their parent reaps them, which for an orphan is
 * PID 1's job, not ours.
 */
export function ps(): PsRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3]!, args: m[4]! }))
    .filter((row) => !row.stat.startsWith('Z'));
}

/** Every process below `pid`, per `ps`. */
export function descendants(pid: number): PsRow[] {
  const rows = ps();
  const found: PsRow[] = [];
  const walk = (parent: number) => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push(row);
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

/** Which of these pids `ps` still lists. */
export function stillRunning(pids: number[]): PsRow[] {
  return ps().filter((row) => pids.includes(row.pid));
}

/** A port nothing listens on (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * An environment for a test's own standalone services: the run's servers and
 * prefixes (so the run's cleanup covers it), its own ports (42xx, away from
 * the dev stack's 40xx and the test stack's 41xx) and its own databases.
 */
export function standaloneEnv(scope: string, portOffset: number): Record<string, string> {
  const runId = inject('testRunId');
  const stackEnv = inject('testEnv');
  return {
    ...buildTestEnv({
      runId,
      portOffset,
      scope,
      database: `ecommerce_test_${scope}`,
      source: stackEnv,
    }),
    KAFKA_BROKERS: stackEnv.KAFKA_BROKERS!,
    REDIS_URL: stackEnv.REDIS_URL!,
  };
}
