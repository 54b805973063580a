/**
 * Reads a service's Prometheus `/metrics` (every service serves it beside
 * `/graphql`): the sum of a series over the label values asked for, so a
 * benchmark can take the difference across a run.
 */

export type Samples = Map<string, number>;

export async function scrape(graphqlUrl: string): Promise<Samples> {
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'));
  const samples: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Sum of `name` over every series whose labels include all of `labels`. */
export function sum(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of samples) {
    const brace = series.indexOf('{');
    if ((brace < 0 ? series : series.slice(0, brace)) !== name) continue;
    const ok = Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));
    if (ok) total += value;
  }
  return total;
}

/** `after - before` of `sum(name, labels)`. */
export function delta(
  before: Samples,
  after: Samples,
  name: string,
  labels: Record<string, string> = {},
): number {
  return sum(after, name, labels) - sum(before, name, labels);
}

/**
 * Waits until `name` on the service stops moving (300 ms apart), i.e. the
 * requests wrk left in flight when it stopped have been answered, so counts
 * taken before and after a run belong to that run alone. Returns the scrape.
 */
export async function settled(graphqlUrl: string, name: string): Promise<Samples> {
  let last = await scrape(graphqlUrl);
  for (let tries = 0; tries < 100; tries++) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await scrape(graphqlUrl);
    if (sum(next, name) === sum(last, name)) return next;
    last = next;
  }
  return last;
}
