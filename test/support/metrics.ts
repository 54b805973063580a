/** A service's Prometheus text, fetched from the /metrics beside its /graphql. */
export async function metricsOf(graphqlUrl: string): Promise<string> {
  return (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
}

/** The sum of the samples of `name` whose labels include every `labels` pair (0 when none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
