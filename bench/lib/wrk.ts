import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Closed-loop HTTP load with wrk (Debian package `wrk`): written in C, it
 * takes far less of this 2-core machine than a Node load generator would,
 * so more of the CPU goes to what is measured. The Lua script posts one
 * body and prints the figures as one JSON line.
 */

export interface WrkOptions {
  url: string;
  /** The JSON body posted on every request. */
  body: string;
  headers?: Record<string, string>;
  connections?: number;
  seconds: number;
  threads?: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p95: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses with a status other than 2xx/3xx. */
  non2xx: number;
}

export function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // wrk --version exits 1 after printing; only a missing binary is a problem.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('wrk is not installed: apt-get install -y wrk');
    }
  }
}

const lua = (body: string, headers: Record<string, string>) => `
wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
${Object.entries({ 'content-type': 'application/json', ...headers })
  .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  .join('\n')}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests":%d,"seconds":%f,"p50":%f,"p95":%f,"p99":%f,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

export async function wrk(options: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wrk-'));
  const script = path.join(dir, 'post.lua');
  writeFileSync(script, lua(options.body, options.headers ?? {}));
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        'wrk',
        [
          `-t${options.threads ?? 2}`,
          `-c${options.connections ?? 50}`,
          `-d${options.seconds}s`,
          '--timeout',
          '10s',
          '-s',
          script,
          options.url,
        ],
        { maxBuffer: 1 << 20 },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice('WRK_JSON '.length)) as Omit<WrkResult, 'rps'> & {
      seconds: number;
    };
    return {
      requests: r.requests,
      rps: r.requests / r.seconds,
      p50: r.p50,
      p95: r.p95,
      p99: r.p99,
      errors: r.errors,
      non2xx: r.non2xx,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
