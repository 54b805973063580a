import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../scripts/lib/infra.js';

/**
 * Starts one benchmark process (a gateway or the subgraphs) as `node …` in a
 * process group of its own, keeps its last lines for error messages, and
 * stops the whole group. Children run from TypeScript also preload the
 * stack's exit-with-parent guard, so a bench that is killed outright leaves
 * no process holding a port; every group is also killed when this process
 * exits or is interrupted.
 */

const GUARD = fileURLToPath(new URL('../../scripts/lib/exit-with-parent.ts', import.meta.url));
const LAST_LINES = 40;

export interface LaunchSpec {
  /** What follows `node`: node options, then the script and its arguments. */
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Default: the repository root. */
  cwd?: string;
  /**
   * Plain JavaScript (Hive Gateway, our compiled gateway): started without
   * tsx, which would switch on source maps for every stack trace the process
   * takes, and without the TypeScript guard (ours brings its compiled one);
   * the group is still killed with this process.
   */
  plainNode?: boolean;
}

/** Every group started and not yet seen exit, killed if this process exits first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => process.exit(code));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

export class Launched {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly lines: string[] = [];
  private done = false;

  constructor(
    readonly name: string,
    spec: LaunchSpec,
  ) {
    const preload = spec.plainNode ? [] : ['--import', 'tsx', '--import', GUARD];
    this.child = spawn(process.execPath, [...preload, ...spec.args], {
      cwd: spec.cwd ?? REPO_ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    live.add(this.child);
    const keep = (line: string) => {
      this.lines.push(line);
      if (this.lines.length > LAST_LINES) this.lines.shift();
    };
    createInterface({ input: this.child.stdout! }).on('line', keep);
    createInterface({ input: this.child.stderr! }).on('line', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.done = true;
        live.delete(this.child);
        killGroup(this.child, 'SIGKILL');
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.done;
  }

  lastLines(): string {
    return this.lines.map((l) => `  ${l}`).join('\n');
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.done) {
      killGroup(this.child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }
}

export interface PostResult {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
}

export async function post(url: string, body: string, timeoutMs = 10_000): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Posts `body` until the process answers 200 (any JSON); throws with its last lines if it dies or times out. */
export async function waitAnswering(
  proc: Launched,
  url: string,
  body: string,
  timeoutMs = 120_000,
): Promise<PostResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited) {
      throw new Error(`${proc.name} exited during start-up; last lines:\n${proc.lastLines()}`);
    }
    try {
      const result = await post(url, body);
      if (result.status === 200 && result.json !== undefined) return result;
      if (result.status !== 404 && result.status !== 503) {
        throw new Error(`${proc.name} answered ${result.status}: ${result.text.slice(0, 500)}`);
      }
    } catch (err) {
      if (!(err instanceof TypeError) && (err as Error).name !== 'TimeoutError') throw err;
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name} did not answer within ${timeoutMs / 1000}s; last lines:\n${proc.lastLines()}`,
      );
    }
    await Promise.race([new Promise((r) => setTimeout(r, 250)), proc.exited]);
  }
}
