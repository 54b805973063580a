/**
 * @apollo/gateway (2.x) reports anonymous usage data to Apollo
 * (usage-reporting.api.apollographql.com) unless APOLLO_TELEMETRY_DISABLED is
 * set, and to describe the host it first probes the cloud metadata endpoints
 * of AWS, GCP, Azure and Alibaba from every gateway process. What runs where
 * is ours to disclose, and a production edge should not call out to third
 * parties nobody configured; so it is off unless an operator sets
 * APOLLO_TELEMETRY_DISABLED=false. Must run before an ApolloGateway is made
 * (the library reads the variable in its constructor).
 */
export function optOutOfApolloTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  env.APOLLO_TELEMETRY_DISABLED ??= 'true';
}
