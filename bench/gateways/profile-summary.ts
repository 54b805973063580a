import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../scripts/lib/infra.js';

/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time by
 * function and by package (npm package, Node core module, V8, or a file of
 * this repository), and inclusive time by package (what a library costs with
 * everything it calls), optionally over its last seconds only (the load, not
 * the start-up). Each sample counts for the sampling interval, so times
 * approximate CPU time even when the machine is busy.
 *
 *   node --import tsx bench/gateways/profile-summary.ts <file.cpuprofile> [--last 10] [--top 25]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Waiting for work; "(program)" (V8's own native work) and GC count as busy. */
const NOT_RUNNING = new Set(['(idle)']);

/** Groups a script URL: npm package, Node core module, V8, or a file of this repository. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 builtins and native)';
  if (url.startsWith('node:')) {
    const parts = url.replace(/^node:(internal\/)?/, '').split('/');
    return `node:${parts[0] === 'deps' ? parts[1] : parts[0]}`;
  }
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (file.startsWith(REPO_ROOT)) {
    return `repo: ${file.slice(REPO_ROOT.length)}`;
  }
  return url;
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) return url.slice(at + '/node_modules/'.length);
  return url.replace(`file://${REPO_ROOT}`, '');
}

export interface SelfTime {
  name: string;
  ms: number;
}

/**
 * What one sample stands for: node's default --cpu-prof-interval (1 ms).
 * Gaps between samples are not used: on a busy machine they are mostly time
 * the thread was descheduled, and samples arrive in bursts.
 */
const SAMPLE_MS = 1;

export interface Times {
  totalMs: number;
  idleMs: number;
  /** Self time: the function (or package) itself was running. */
  byFunction: SelfTime[];
  byPackage: SelfTime[];
  /** Inclusive time: the package was anywhere on the stack (counted once per sample). */
  inclusiveByPackage: SelfTime[];
}

/** Self and inclusive times (ms) over the profile, or over its last `lastSeconds`. */
export function selfTimes(profile: CpuProfile, lastSeconds?: number): Times {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, ms: number) =>
    m.set(key, (m.get(key) ?? 0) + ms);
  let total = 0;
  let idle = 0;
  const duration = SAMPLE_MS;
  let t = profile.startTime;
  const from = lastSeconds ? profile.endTime - lastSeconds * 1e6 : -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    total += duration;
    if (NOT_RUNNING.has(functionName)) {
      idle += duration;
      continue;
    }
    const name =
      `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    add(fn, name, duration);
    add(pkg, packageOf(url, functionName), duration);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.url) onStack.add(packageOf(frame.url, frame.functionName));
    }
    for (const group of onStack) add(inclusive, group, duration);
  }
  const sorted = (m: Map<string, number>): SelfTime[] =>
    [...m].map(([key, ms]) => ({ name: key, ms })).sort((a, b) => b.ms - a.ms);
  return {
    totalMs: total,
    idleMs: idle,
    byFunction: sorted(fn),
    byPackage: sorted(pkg),
    inclusiveByPackage: sorted(inclusive),
  };
}

export function formatSelfTimes(
  profile: CpuProfile,
  options: { lastSeconds?: number; top?: number } = {},
): string {
  const times = selfTimes(profile, options.lastSeconds);
  const busy = times.totalMs - times.idleMs;
  const top = options.top ?? 25;
  const line = (e: SelfTime) =>
    `${((100 * e.ms) / busy).toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(7)} ms  ${e.name}`;
  return [
    `${(times.totalMs / 1000).toFixed(1)} s of samples (count × interval: time the thread ran), ${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / times.totalMs).toFixed(0)}%); percentages are of busy samples (idle excluded)`,
    '',
    'self time by package:',
    ...times.byPackage.slice(0, top).map(line),
    '',
    'self time by function:',
    ...times.byFunction.slice(0, top).map(line),
    '',
    'inclusive time by package (on the stack; a sample counts for every package on it):',
    ...times.inclusiveByPackage.slice(0, top).map(line),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--last s] [--top n]');
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? Number(rest[i + 1]) : undefined;
  };
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatSelfTimes(profile, { lastSeconds: option('--last'), top: option('--top') }));
}
