/**
 * Connection reuse on the gateway → subgraph hop, with and without keep-alive.
 *
 *   node --import tsx bench/keepalive.ts [subgraphUrl] [seconds]
 *
 * Sends the query the gateway sends for ProductDetail's product fields
 * straight to a running product subgraph (default http://127.0.0.1:4002/graphql,
 * i.e. `npm start`), from 16 concurrent workers, alternating two rounds of
 * each mode in one run: pooled keep-alive connections (what the gateway does,
 * Node's fetch/undici) against a new TCP connection per request
 * (`connection: close`). Prints requests/s and latency percentiles, and the ratio.
 */
import { performance } from 'node:perf_hooks';

const url = process.argv[2] ?? 'http://127.0.0.1:4002/graphql';
const seconds = Number(process.argv[3] ?? 8);
const CONCURRENCY = 16;

async function productId(): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id } } } }' }),
  });
  const body = (await res.json()) as { data?: { products: { edges: { node: { id: string } }[] } } };
  const id = body.data?.products.edges[0]?.node.id;
  if (!id)
    throw new Error('no product to query: start the stack with `npm start` (it seeds a catalogue)');
  return id;
}

async function round(id: string, keepAlive: boolean) {
  const body = JSON.stringify({
    query: 'query($id: ID!) { product(id: $id) { id sku name price { amount currency } } }',
    variables: { id },
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!keepAlive) headers.connection = 'close';
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const start = performance.now();
        const res = await fetch(url, { method: 'POST', headers, body });
        await res.arrayBuffer();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

const id = await productId();
await round(id, true); // warm-up
const results: Record<
  'keep-alive' | 'new connection',
  { rps: number; p50: number; p99: number }[]
> = {
  'keep-alive': [],
  'new connection': [],
};
for (let i = 0; i < 2; i += 1) {
  results['keep-alive'].push(await round(id, true));
  results['new connection'].push(await round(id, false));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const [mode, rounds] of Object.entries(results)) {
  console.log(
    `${mode.padEnd(15)} ${mean(rounds.map((r) => r.rps))
      .toFixed(0)
      .padStart(
        6,
      )} req/s  p50 ${mean(rounds.map((r) => r.p50)).toFixed(2)} ms  p99 ${mean(rounds.map((r) => r.p99)).toFixed(2)} ms`,
  );
}
const ratio =
  mean(results['keep-alive'].map((r) => r.rps)) / mean(results['new connection'].map((r) => r.rps));
console.log(`keep-alive / new connection: ${ratio.toFixed(2)}× requests per second`);
