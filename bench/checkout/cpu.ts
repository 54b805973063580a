import { readdirSync, readFileSync } from 'node:fs';
import type { ServiceDatabases } from './db.js';

/**
 * CPU time per process over a phase, from /proc: each service of the stack,
 * the load generator (this process), the Kafka broker, and the PostgreSQL
 * backends serving the stack's databases; plus the whole machine. Shown as
 * % of one core, so on this 2-core machine the columns can add up to 200 %.
 * The broker and the machine are shared with whatever else runs.
 */

const TICKS_PER_SECOND = 100;

/** utime + stime of a process in ms, or null when it is gone. */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Busy and total ms of the whole machine (all cores). */
function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return {
    busy: ((total - idle) * 1000) / TICKS_PER_SECOND,
    total: (total * 1000) / TICKS_PER_SECOND,
  };
}

export function findKafkaBroker(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka')) {
        return Number(entry);
      }
    } catch {
      // Exited while we looked.
    }
  }
  return null;
}

export interface CpuShare {
  name: string;
  /** % of one core over the sampled interval. */
  percent: number;
  /** CPU time used over the interval, ms. */
  ms: number;
}

export interface CpuSampler {
  stop(): Promise<CpuShare[]>;
}

/**
 * Starts sampling: fixed processes by pid, and the PostgreSQL backends of
 * databases named `<databaseBase>_*`, listed again every second (pools open
 * and close connections, so the set changes).
 */
export function sampleCpu(
  processes: ReadonlyArray<{ name: string; pid: number }>,
  db: ServiceDatabases,
  databaseBase: string,
): CpuSampler {
  const started = performance.now();
  const self0 = process.cpuUsage();
  const machine0 = machineCpuMs();
  const first = new Map(processes.map((p) => [p.pid, processCpuMs(p.pid) ?? 0]));
  // Per backend pid: CPU when first seen (0 if it appeared during the phase) and when last seen.
  const backends = new Map<number, { first: number; last: number }>();
  let firstListing = true;

  async function listBackends(): Promise<void> {
    const rows = await db.query<{ pid: number }>(
      'inventory',
      "SELECT pid FROM pg_stat_activity WHERE datname LIKE $1 || '\\_%'",
      [databaseBase],
    );
    for (const { pid } of rows) {
      const cpu = processCpuMs(pid);
      if (cpu === null) continue;
      const known = backends.get(pid);
      if (known) known.last = cpu;
      else backends.set(pid, { first: firstListing ? cpu : 0, last: cpu });
    }
    firstListing = false;
  }
  let listing = listBackends().catch(() => undefined);
  const timer = setInterval(() => {
    listing = listing.then(() => listBackends().catch(() => undefined));
  }, 1_000);

  return {
    async stop() {
      clearInterval(timer);
      await listing;
      await listBackends().catch(() => undefined);
      const elapsed = performance.now() - started;
      const share = (name: string, ms: number) => ({ name, ms, percent: (ms / elapsed) * 100 });
      const shares: CpuShare[] = processes.map((p) =>
        share(p.name, (processCpuMs(p.pid) ?? first.get(p.pid)!) - first.get(p.pid)!),
      );
      let postgres = 0;
      for (const { first: from, last } of backends.values()) postgres += last - from;
      shares.push(share('postgres (stack backends)', postgres));
      const self = process.cpuUsage(self0);
      shares.push(share('load generator', (self.user + self.system) / 1000));
      const machine = machineCpuMs();
      // The machine's busy share of all its cores, scaled to "% of one core" like the rest.
      const busyFraction = (machine.busy - machine0.busy) / (machine.total - machine0.total);
      shares.push(share('machine (all processes)', busyFraction * cores() * elapsed));
      return shares;
    },
  };
}

function cores(): number {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l)).length;
}
