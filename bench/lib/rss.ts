import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of a process and its descendants (a clustered gateway is
 * several processes), read from /proc, and a sampler that keeps the peak.
 */

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

function ownRssKb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0);
  } catch {
    return 0;
  }
}

/** MB resident in `pid` and every process below it. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const pending = [pid];
  while (pending.length) {
    const next = pending.pop()!;
    kb += ownRssKb(next);
    pending.push(...children(next));
  }
  return kb / 1024;
}

/** Samples the tree's RSS every `everyMs` until stopped; returns the peak in MB. */
export function peakRss(pid: number, everyMs = 250): { stop(): number } {
  let peak = treeRssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRssMb(pid));
    },
  };
}
