import { readFileSync } from 'node:fs';

/**
 * CPU time of processes and of the whole machine, from /proc, so a phase can
 * say where the two cores went during a run (each service, and the rest:
 * PostgreSQL, Redis, wrk, and whoever else shares the machine).
 */

/** Clock ticks per second of /proc's times; 100 on every Linux this runs on. */
const TICKS = 100;

/** User + system CPU seconds of one process so far (0 once it is gone). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores, idle and iowait excluded). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS;
}

export const REST = 'rest of the machine';

export interface CpuShare {
  label: string;
  /** CPU seconds used over the interval. */
  seconds: number;
  /** Cores used on average over the interval (1.0 = one core busy all the time). */
  cores: number;
}

/** Starts measuring; `stop()` returns each process's share and the rest of the machine's. */
export function cpuMeter(processes: Record<string, number>): { stop(): CpuShare[] } {
  const started = performance.now();
  const machine = machineBusySeconds();
  const before = Object.fromEntries(
    Object.entries(processes).map(([label, pid]) => [label, processCpuSeconds(pid)]),
  );
  return {
    stop() {
      const elapsed = (performance.now() - started) / 1000;
      const shares = Object.entries(processes).map(([label, pid]) => {
        const seconds = processCpuSeconds(pid) - before[label]!;
        return { label, seconds, cores: seconds / elapsed };
      });
      const ours = shares.reduce((a, s) => a + s.seconds, 0);
      const rest = Math.max(0, machineBusySeconds() - machine - ours);
      return [...shares, { label: REST, seconds: rest, cores: rest / elapsed }];
    },
  };
}
