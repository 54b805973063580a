/**
 * The configuration The Guild's benchmark runs Hive Gateway with
 * (gateways/hive-gateway/gateway.config.ts there): identical queries in
 * flight at the same time are executed once and the answer shared. Their run
 * script also passes `--jit` and NODE_ENV=production; the bench does too.
 */
export const gatewayConfig = {
  inboundInflightRequestDeduplication: true,
};
