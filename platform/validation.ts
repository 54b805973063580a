import type { z } from 'zod';
import { DomainError, type UserError } from './errors.js';

/**
 * Validates a mutation input with zod; every problem becomes a VALIDATION
 * user error whose `field` is the input path, e.g. ["items", "0", "quantity"].
 */
export function validateInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: UserError[] = result.error.issues.map((issue) => ({
    code: 'VALIDATION',
    field: issue.path.map(String),
    message: issue.message,
  }));
  throw new DomainError(errors);
}

/**
 * Runs a mutation and shapes its payload: on success the object under `key`
 * and no user errors; on an expected domain failure the object null and the
 * errors. Anything else propagates as a GraphQL error.
 */
export async function mutationPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    const value = await run();
    return { [key]: value, userErrors: [] } as { [P in K]: T | null } & { userErrors: UserError[] };
  } catch (err) {
    if (err instanceof DomainError) {
      return { [key]: null, userErrors: err.errors } as { [P in K]: T | null } & {
        userErrors: UserError[];
      };
    }
    throw err;
  }
}
