import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type StackHandle, type StackService } from '../../scripts/lib/stack.js';

/**
 * The benchmark's processes, each started on its own (scripts/lib/stack.ts,
 * one `startStack` per process) so that any one of them can run under
 * a CPU profiler: BENCH_CPU_PROF=gateway,order profiles those two, written to
 * BENCH_CPU_PROF_DIR (default: a temporary directory) as `<label>.cpuprofile`
 * when the stack stops (open them in Chrome DevTools or speedscope).
 */

export interface ProcessSpec {
  /** Unique label, e.g. `product` or `product-uncached`; what BENCH_CPU_PROF names. */
  label: string;
  service: StackService;
  env: Record<string, string>;
}

export interface OpsStack {
  has(label: string): boolean;
  pidOf(label: string): number;
  stop(): Promise<void>;
}

const PROFILER = fileURLToPath(new URL('./cpu-profile.ts', import.meta.url));

/** Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload starts the profiler instead. */
function profiledEnv(spec: ProcessSpec, profiled: Set<string>, dir: string) {
  if (!profiled.has(spec.label)) return spec.env;
  const flags = `--import tsx --import ${PROFILER}`;
  return {
    ...spec.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, flags].filter(Boolean).join(' '),
    BENCH_CPU_PROF_FILE: path.join(dir, `${spec.label}.cpuprofile`),
  };
}

export async function startProcesses(
  specs: readonly ProcessSpec[],
  profile: { labels: Set<string>; dir: string },
): Promise<OpsStack> {
  const started = await Promise.allSettled(
    specs.map((spec) =>
      startStack({
        env: profiledEnv(spec, profile.labels, profile.dir),
        services: [spec.service],
        logPrefix: false,
        readyTimeoutMs: 180_000,
        // A service dying mid-run shows as failed requests; say which one.
        onExit: (name, code, signal) =>
          console.error(`${spec.label} (${name}) exited: ${signal ?? `code ${code}`}`),
      }),
    ),
  );
  const handles = new Map<string, StackHandle>();
  started.forEach((s, i) => {
    if (s.status === 'fulfilled') handles.set(specs[i]!.label, s.value);
  });
  const stop = async () => {
    // Gateways first: they stop taking requests before their subgraphs go.
    const gateways = [...handles].filter(([, h]) => h.gatewayUrl !== null);
    const rest = [...handles].filter(([, h]) => h.gatewayUrl === null);
    await Promise.all(gateways.map(([, h]) => h.stop()));
    await Promise.all(rest.map(([, h]) => h.stop()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    has: (label) => handles.has(label),
    pidOf(label) {
      const pid = handles.get(label)?.services[0]?.pid;
      if (pid === undefined) throw new Error(`no process ${label}`);
      return pid;
    },
    stop,
  };
}
