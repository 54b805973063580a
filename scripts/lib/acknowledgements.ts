import { z } from 'zod';
import type { SchemaChange } from './schema-diff.js';

/**
 * schema/breaking-changes.json: breaking changes someone decided to ship
 * anyway, each with the reason. `change` quotes the check's message for it
 * exactly, so an acknowledgement covers that one change and nothing else.
 */
const acknowledgementFile = z.object({
  acknowledged: z.array(
    z.strictObject({
      change: z.string().min(1),
      reason: z.string().trim().min(1, 'say why the break is acceptable'),
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'),
    }),
  ),
});

export type Acknowledgement = z.infer<typeof acknowledgementFile>['acknowledged'][number];

export class InvalidAcknowledgements extends Error {
  override name = 'InvalidAcknowledgements';
}

export function parseAcknowledgements(text: string, file: string): Acknowledgement[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidAcknowledgements(`${file}: not JSON: ${(err as Error).message}`);
  }
  const parsed = acknowledgementFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new InvalidAcknowledgements(`${file}: ${issues.join('; ')}`);
  }
  return parsed.data.acknowledged;
}

export interface CheckedChange extends SchemaChange {
  acknowledgement: Acknowledgement | null;
}

/** Pairs breaking changes with their acknowledgements; those matching nothing are left over. */
export function applyAcknowledgements(
  changes: SchemaChange[],
  acknowledgements: Acknowledgement[],
): { changes: CheckedChange[]; unused: Acknowledgement[] } {
  const used = new Set<Acknowledgement>();
  const checked = changes.map((change) => {
    const ack =
      change.level === 'breaking'
        ? (acknowledgements.find((a) => a.change === change.message) ?? null)
        : null;
    if (ack) used.add(ack);
    return { ...change, acknowledgement: ack };
  });
  return { changes: checked, unused: acknowledgements.filter((a) => !used.has(a)) };
}
