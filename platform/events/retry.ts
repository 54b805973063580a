import { z } from 'zod';

/** Small helpers the relay and the consumer share for failures and backoff. */

const MAX_ERROR_LENGTH = 1_000;

/** One line for logs, `last_error` and dead-letter headers; bounded so a huge message cannot bloat them. */
export function describeError(err: unknown): string {
  const text =
    err instanceof z.ZodError
      ? `contract violation: ${z.prettifyError(err).replace(/\s*\n\s*/g, ' ')}`
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/** `first`, doubling per attempt (attempt 1 waits `first`), capped at `max`, with ±20 % jitter so replicas do not retry in lockstep. */
export function backoffDelay(attempt: number, first: number, max: number): number {
  const base = Math.min(first * 2 ** Math.max(0, attempt - 1), max);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
