import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  SERVICE_NAMES,
  WORKER_NAMES,
  loadGatewayConfig,
  loadSubgraphConfig,
  loadWorkerConfig,
  type SubgraphName,
  type WorkerName,
} from '../../platform/config.js';
import { StartupError } from '../../platform/startup-error.js';
import { compiled, ensureBuild } from './build.js';
import { REPO_ROOT } from './infra.js';
import { formatLogLine, makePrefix, useColour } from './log-format.js';

/**
 * Runs services as child processes (one Node process each, as in
 * production), waits until each one is ready, and stops them all again
 * without leaving a process behind. Used by `npm start` and by the test
 * harness.
 */

export type StackService = SubgraphName | WorkerName | 'gateway';
export const ALL_SERVICES: readonly StackService[] = [...SERVICE_NAMES, ...WORKER_NAMES, 'gateway'];

export function isWorker(service: StackService): service is WorkerName {
  return (WORKER_NAMES as readonly string[]).includes(service);
}

export interface StackOptions {
  /** Variables for the services, on top of this process's environment. */
  env: NodeJS.ProcessEnv;
  /** Which services to run; by default every one whose entry file exists. */
  services?: readonly StackService[];
  /** Print each line to stdout as `[user] 12:00:01.234 INFO msg`. Default true. */
  logPrefix?: boolean;
  /** Receives every raw line a service prints (stdout and stderr). */
  onLine?: (service: StackService, line: string) => void;
  /** Called when a service exits on its own after start-up succeeded. */
  onExit?: (service: StackService, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Per service, from spawn to `/health/ready` answering 200. */
  readyTimeoutMs?: number;
  /** After SIGTERM, how long to wait before SIGKILL. */
  stopGraceMs?: number;
  /** Aborting during start-up stops what was started; startStack then rejects. */
  signal?: AbortSignal;
  /** Extra Node flags per service, e.g. `{ gateway: ['--cpu-prof'] }` for a benchmark's profile. */
  nodeArgs?: Partial<Record<StackService, readonly string[]>>;
}

export interface RunningService {
  name: StackService;
  pid: number;
  port: number;
  /** The service's GraphQL endpoint. */
  url: string;
  healthUrl: string;
}

export interface ServiceExit {
  name: StackService;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StackHandle {
  services: RunningService[];
  /** Null when the gateway was not among the services started. */
  gatewayUrl: string | null;
  /** Gateway first (it stops taking requests), then the subgraphs together. */
  stop(): Promise<ServiceExit[]>;
}

/** Start failed: the message says which service and shows its last lines. */
export class StackStartError extends StartupError {}

const LAST_LINES = 30;
const POLL_MS = 250;
const GUARD = 'scripts/lib/exit-with-parent.ts';

/** A service's entry point, relative to the repository. */
export function relativeEntryOf(service: StackService): string {
  return service === 'gateway'
    ? 'gateway/index.ts'
    : isWorker(service)
      ? `workers/${service}/index.ts`
      : `subgraphs/${service}/index.ts`;
}

/** A service's entry point (its TypeScript source). */
export function entryOf(service: StackService): string {
  return path.join(REPO_ROOT, relativeEntryOf(service));
}

/** Services whose entry point exists in this checkout (others are still being written). */
export function availableServices(): StackService[] {
  return ALL_SERVICES.filter((s) => existsSync(entryOf(s)));
}

/**
 * Port and host a service will use, read through the platform's own config
 * parser so a bad variable fails here, with its one line, before anything is
 * spawned.
 */
export function addressOf(
  service: StackService,
  env: NodeJS.ProcessEnv,
): { port: number; host: string } {
  const config =
    service === 'gateway'
      ? loadGatewayConfig(env)
      : isWorker(service)
        ? loadWorkerConfig(service, env)
        : loadSubgraphConfig(service, env);
  const port = 'port' in config ? config.port : config.GATEWAY_PORT;
  // A service bound to every interface is reached on loopback.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  return { port, host };
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Every child this process started and has not yet seen exit. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  // Last resort when the supervisor dies without stop(): no orphan keeps a port.
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the child's whole process group (it was started detached).
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

class ServiceProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<ServiceExit>;
  private exitInfo: ServiceExit | null = null;
  readonly child: ChildProcess;

  constructor(
    readonly name: StackService,
    readonly host: string,
    readonly port: number,
    env: NodeJS.ProcessEnv,
    emit: (line: string) => void,
    buildDir: string,
    nodeArgs: readonly string[] = [],
  ) {
    // Compiled JavaScript (scripts/lib/build.ts), as in production: no loader thread.
    const args = [
      ...nodeArgs,
      '--import',
      compiled(buildDir, GUARD),
      compiled(buildDir, relativeEntryOf(name)),
    ];
    this.child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env,
      // fd 3 is the IPC channel the exit-with-parent guard watches.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: a terminal's Ctrl-C reaches only the supervisor,
      // which then stops services in order instead of all at once.
      detached: true,
    });
    live.add(this.child);
    const onLine = (line: string) => {
      this.lines.push(line);
      if (this.lines.length > LAST_LINES) this.lines.shift();
      emit(line);
    };
    createInterface({ input: this.child.stdout! }).on('line', onLine);
    createInterface({ input: this.child.stderr! }).on('line', onLine);
    const outputClosed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        live.delete(this.child);
        // Anything the service itself started dies with it.
        killGroup(this.child, 'SIGKILL');
        this.exitInfo = { name, code, signal };
        // Its last lines are still in the pipe: deliver them before reporting
        // the exit (bounded, in case something else holds the pipe open).
        const info = this.exitInfo;
        void Promise.race([outputClosed, new Promise((r) => setTimeout(r, 2_000))]).then(() =>
          resolve(info),
        );
      };
      this.child.once('exit', finish);
      this.child.once('error', (err) => {
        onLine(`could not start: ${err.message}`);
        finish(127, null);
      });
    });
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get healthUrl(): string {
    return `http://${this.host}:${this.port}/health/ready`;
  }

  get url(): string {
    return `http://${this.host}:${this.port}/graphql`;
  }

  lastLines(): string {
    return this.lines.map((l) => `  ${formatLogLine(l, false)}`).join('\n');
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hasExited) {
      try {
        const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new StackStartError(
          `${this.name} was not ready within ${Math.round(timeoutMs / 1000)}s (${this.healthUrl}); last lines:\n${this.lastLines()}`,
        );
      }
      await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), this.exited]);
    }
    const { code, signal } = await this.exited; // its last lines included
    throw new StackStartError(
      `${this.name} exited during start-up (${signal ?? `code ${code}`}); last lines:\n${this.lastLines()}`,
    );
  }

  private stopping: Promise<ServiceExit> | null = null;

  /** Idempotent: a second SIGTERM would make the service skip its graceful shutdown. */
  stop(graceMs: number): Promise<ServiceExit> {
    this.stopping ??= (async () => {
      if (!this.hasExited) {
        killGroup(this.child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
        await this.exited;
        clearTimeout(timer);
      }
      return this.exitInfo!;
    })();
    return this.stopping;
  }
}

export async function startStack(options: StackOptions): Promise<StackHandle> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const wanted = options.services ?? availableServices();
  const missing = wanted.filter((s) => !existsSync(entryOf(s)));
  if (missing.length) {
    throw new StartupError(`no entry point for ${missing.join(', ')} (${entryOf(missing[0]!)})`);
  }
  const order = ALL_SERVICES.filter((s) => wanted.includes(s));
  const addresses = new Map(order.map((s) => [s, addressOf(s, env)] as const));
  for (const [service, { host, port }] of addresses) {
    if (await portAnswers(host, port)) {
      const variable = service === 'gateway' ? 'GATEWAY_PORT' : `${service.toUpperCase()}_PORT`;
      throw new StartupError(
        `port ${port} (${service}) is already in use on ${host}; stop whatever listens there or set ${variable}`,
      );
    }
  }

  const buildDir = await ensureBuild();
  const colour = useColour();
  const width = Math.max(...order.map((s) => s.length));
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const graceMs = options.stopGraceMs ?? 15_000;
  const processes: ServiceProcess[] = [];
  let stopping = false;

  const launch = (service: StackService): ServiceProcess => {
    const prefix = makePrefix(service, ALL_SERVICES.indexOf(service), width, colour);
    const { host, port } = addresses.get(service)!;
    const proc = new ServiceProcess(
      service,
      host,
      port,
      env,
      (line) => {
        options.onLine?.(service, line);
        if (options.logPrefix !== false)
          process.stdout.write(`${prefix} ${formatLogLine(line, colour)}\n`);
      },
      buildDir,
      options.nodeArgs?.[service],
    );
    processes.push(proc);
    return proc;
  };

  const stopAll = async (): Promise<ServiceExit[]> => {
    stopping = true;
    const gateway = processes.filter((p) => p.name === 'gateway');
    const subgraphs = processes.filter((p) => p.name !== 'gateway');
    const exits = await Promise.all(gateway.map((p) => p.stop(graceMs)));
    exits.push(...(await Promise.all(subgraphs.map((p) => p.stop(graceMs)))));
    return exits;
  };

  const abort = () => void stopAll();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (options.signal?.aborted) throw new StartupError('start-up aborted');
    // All processes boot at once (on 2 cores, loading code dominates start-up,
    // and the gateway serves the committed supergraph, so it calls no subgraph
    // while booting); readiness is still awaited in order: subgraphs, then the
    // gateway in front of them.
    const subgraphs = order.filter((s) => s !== 'gateway').map(launch);
    const gw = order.includes('gateway') ? launch('gateway') : null;
    await Promise.all(subgraphs.map((p) => p.waitReady(readyTimeoutMs)));
    if (options.signal?.aborted) throw new StartupError('start-up aborted');
    if (gw) await gw.waitReady(readyTimeoutMs);
  } catch (err) {
    await stopAll();
    throw options.signal?.aborted ? new StartupError('start-up aborted') : err;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }

  for (const proc of processes) {
    void proc.exited.then(({ code, signal }) => {
      if (!stopping) options.onExit?.(proc.name, code, signal);
    });
  }

  const gateway = processes.find((p) => p.name === 'gateway');
  return {
    services: processes.map((p) => ({
      name: p.name,
      pid: p.pid,
      port: p.port,
      url: p.url,
      healthUrl: p.healthUrl,
    })),
    gatewayUrl: gateway ? gateway.url : null,
    stop: stopAll,
  };
}
