import { inject } from 'vitest';
import { startStack, type StackHandle, type StackOptions } from '../../scripts/lib/stack.js';
import './provided.js';

/**
 * Another gateway over the test stack's subgraphs, for behaviour the stack's
 * own gateway is not configured for (other budgets, secrets, origins,
 * workers). Each test file takes a port of its own in 4191-4199 (fetch
 * refuses 4190); `env` is laid over the test stack's environment.
 */
export async function startExtraGateway(
  port: number,
  env: Record<string, string> = {},
  options: Pick<StackOptions, 'onLine'> = {},
): Promise<StackHandle & { url: string }> {
  const stack = await startStack({
    env: { ...inject('testEnv'), GATEWAY_PORT: String(port), ...env },
    services: ['gateway'],
    logPrefix: false,
    ...options,
  });
  return Object.assign(stack, { url: stack.gatewayUrl! });
}
