import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time used by a process group (every benchmark child runs in its own:
 * a clustered gateway's workers included), from /proc/<pid>/stat, in
 * seconds. Sampled before and after a round, it says how busy the gateway and
 * the subgraphs were: a round where the subgraphs use a whole core means they,
 * not the gateway, set the pace.
 */

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

function statOf(pid: string): { pgrp: number; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces), 1-based from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (stat?.pgrp === pgid) ticks += stat.ticks;
  }
  return ticks / TICKS;
}

/** Starts a measurement; `stop()` gives the group's average CPU use since, in % of one core. */
export function cpuUse(pgid: number): { stop(): number } {
  const cpu0 = groupCpuSeconds(pgid);
  const t0 = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      return seconds > 0 ? ((groupCpuSeconds(pgid) - cpu0) / seconds) * 100 : NaN;
    },
  };
}
