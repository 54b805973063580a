/**
 * Turns the services' JSON log lines into something a human can scan in a
 * terminal: `[user]    12:03:04.512 INFO  user subgraph ready url=…`. Lines
 * that are not JSON (a stack trace, a one-line start-up error) pass through
 * unchanged, so nothing a service prints is ever hidden.
 */

const COLOURS = ['36', '35', '33', '32', '34', '96', '95'] as const;
const LEVEL_COLOURS: Record<string, string> = {
  fatal: '41;97',
  error: '31',
  warn: '33',
  info: '32',
  debug: '90',
  trace: '90',
};
/** Fields every line carries or that the prefix already says. */
const NOISE = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
const MAX_EXTRA = 240;

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

function paint(enabled: boolean, code: string, text: string): string {
  return enabled ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** `[user]   ` padded to the longest name, in a colour stable per position. */
export function makePrefix(name: string, index: number, width: number, colour: boolean): string {
  const label = `[${name}]`.padEnd(width + 2);
  return paint(colour, COLOURS[index % COLOURS.length] ?? '36', label);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function clockOf(time: unknown): string {
  if (typeof time === 'string' && time.length >= 23) return time.slice(11, 23);
  if (typeof time === 'number') return new Date(time).toISOString().slice(11, 23);
  return new Date().toISOString().slice(11, 23);
}

/** One log line, pretty if it is a pino JSON object, verbatim otherwise. */
export function formatLogLine(line: string, colour: boolean): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry.level === 'string' ? entry.level : String(entry.level ?? 'info');
  const parts = [
    paint(colour, '90', clockOf(entry.time)),
    paint(colour, LEVEL_COLOURS[level] ?? '0', level.toUpperCase().padEnd(5)),
    String(entry.msg ?? ''),
  ];
  const extra: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (NOISE.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      // Keep the message and the first frames; the full trace is in the JSON if needed.
      const err = value as { message?: string; stack?: string };
      extra.push(`err=${formatValue(err.message ?? '')}`);
      const frames = (err.stack ?? '').split('\n').slice(1, 4).join('\n');
      if (frames) parts.push(`\n${paint(colour, '90', frames)}`);
      continue;
    }
    extra.push(`${key}=${formatValue(value)}`);
  }
  let tail = extra.join(' ');
  if (tail.length > MAX_EXTRA) tail = `${tail.slice(0, MAX_EXTRA)}…`;
  if (tail) parts.splice(3, 0, paint(colour, '90', tail));
  return parts.join(' ');
}
