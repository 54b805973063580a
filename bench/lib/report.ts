import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * BENCHMARKS.md holds the last result of each benchmark, one section per
 * benchmark between markers, each stamped with its own date, commit and
 * machine: `npm run bench -- <name>` rewrites only that section, so figures
 * from different runs are never mixed inside one table (ratios are only
 * meaningful within one run on this shared machine).
 */

export const BENCHMARKS_FILE = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));

const HEADER = `# Benchmarks

Written by \`npm run bench\` (all) or \`npm run bench -- <name>\` (one); each
section is replaced by the next run of its benchmark. Figures are from a
shared 2-core machine: compare ratios measured in the same run, not absolute
numbers across runs. How each benchmark works: its source in \`bench/\`.
`;

export interface Stamp {
  date: string;
  commit: string;
  machine: string;
  load: string;
}

export function commitOf(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // BENCHMARKS.md itself changes as each benchmark of a run writes its section.
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!BENCHMARKS.md'],
      { encoding: 'utf8' },
    ).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function machine(): string {
  const cpus = os.cpus();
  const model = (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  return `${cpus.length} × ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/** The 1-minute load average: on a shared machine, how quiet the run was. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

export function stamp(): Stamp {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: commitOf(),
    machine: machine(),
    load: loadAverage(),
  };
}

/** Replaces (or appends) the section of one benchmark in BENCHMARKS.md. */
export function writeSection(name: string, title: string, body: string, at: Stamp): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = [
    begin,
    `## ${title}`,
    '',
    `\`npm run bench -- ${name}\` · ${at.date} · commit ${at.commit} · ${at.machine} · load average at start ${at.load}`,
    '',
    body.trim(),
    end,
  ].join('\n');
  const current = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : HEADER;
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCHMARKS_FILE, next);
}

/** A Markdown table from a header row and rows of cells. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const ms = (n: number, digits = 1) => (Number.isFinite(n) ? `${n.toFixed(digits)} ms` : '-');
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '-');
export const goal = (met: boolean) => (met ? '**met**' : '**not met**');
