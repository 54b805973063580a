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
  /**
   * Requests to send instead of `body` and `headers` alone: each thread
   * cycles through its share of them (every `threads`-th), so requests in
   * flight at once differ (several users, several products) as real traffic
   * does, and a server cannot answer many with one execution.
   */
  variants?: readonly { body: string; headers?: Record<string, string> }[];
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

const luaTable = (headers: Record<string, string>) =>
  `{ ${Object.entries({ 'content-type': 'application/json', ...headers })
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join(', ')} }`;

/** Thread n of wrk sends variants n, n + threads, n + 2 × threads… in turn. */
const variantsLua = (variants: NonNullable<WrkOptions['variants']>, threads: number) => `
local threads_total = ${threads}
local variants = {
${variants.map((v) => `  { body = ${JSON.stringify(v.body)}, headers = ${luaTable(v.headers ?? {})} },`).join('\n')}
}
local threads = 0
setup = function(thread)
  thread:set("first", threads)
  threads = threads + 1
end
init = function(args)
  own = {}
  for i = first + 1, #variants, threads_total do
    own[#own + 1] = wrk.format("POST", nil, variants[i].headers, variants[i].body)
  end
  if #own == 0 then own[1] = wrk.format("POST", nil, variants[1].headers, variants[1].body) end
  next_request = 0
end
request = function()
  next_request = next_request % #own + 1
  return own[next_request]
end
`;

const lua = (options: WrkOptions) => `
wrk.method = "POST"
wrk.body = ${JSON.stringify(options.body)}
${Object.entries({ 'content-type': 'application/json', ...options.headers })
  .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  .join('\n')}
${options.variants?.length ? variantsLua(options.variants, options.threads ?? 2) : ''}
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
  writeFileSync(script, lua(options));
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
