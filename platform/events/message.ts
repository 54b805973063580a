import type { KafkaMessage } from 'kafkajs';

/**
 * Reads a raw message's type and trace id without validating it, so even a
 * broken message can be routed (skipped or dead-lettered) and traced.
 */
export function peekEnvelope(value: Buffer | null): { type?: string; traceId?: string } {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value.toString());
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { type, traceId } = parsed as Record<string, unknown>;
    return {
      type: typeof type === 'string' ? type : undefined,
      traceId: typeof traceId === 'string' ? traceId : undefined,
    };
  } catch {
    return {};
  }
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
