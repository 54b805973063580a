import { z } from 'zod';
import { badUserInput } from '../../../platform/errors.js';

/**
 * The rules for catalogue input, shared by create and update. Text is trimmed
 * first, so "   " counts as empty. A price is at least one minor unit: the
 * catalogue sells things, and a zero price is far more often a slip than a
 * gift. The ceiling (1,000,000.00 in a two-decimal currency) stops typos with
 * extra zeros long before they reach the 32-bit limit of GraphQL's Int.
 */

export const MAX_PRICE_AMOUNT = 100_000_000;
export const MAX_SEARCH_LENGTH = 100;

// ISO 4217 codes the runtime knows (current and recent ones); lower case or
// made-up codes are refused rather than guessed at.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

// Tab, newline and carriage return are fine in a description, never in a one-line field.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const oneLine = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, { message: `${label} must not be empty`, abort: true })
    .max(max, { message: `${label} must be at most ${max} characters`, abort: true })
    .refine((v) => !CONTROL_CHARS.test(v), `${label} must not contain control characters`);

const sku = z
  .string()
  .trim()
  .min(1, { message: 'SKU must not be empty', abort: true })
  .max(64, { message: 'SKU must be at most 64 characters', abort: true })
  .regex(/^[A-Za-z0-9._-]+$/, "SKU may contain only letters, digits, '-', '_' and '.'");

const name = oneLine('Name', 200);
const category = oneLine('Category', 100);

// Empty (after trimming) means "no description".
const description = z
  .string()
  .max(5000, 'Description must be at most 5000 characters')
  .transform((v) => v.trim() || null);

const money = z.object({
  amount: z
    .number()
    .int('Amount must be a whole number of minor units')
    .min(1, 'Amount must be at least 1 minor unit')
    .max(MAX_PRICE_AMOUNT, `Amount must be at most ${MAX_PRICE_AMOUNT} minor units`),
  currency: z
    .string()
    .refine(
      (v) => /^[A-Z]{3}$/.test(v) && CURRENCIES.has(v),
      'Currency must be an ISO 4217 code in upper case, e.g. EUR',
    ),
});

export const createProductInput = z.object({
  sku,
  name,
  description: description.nullish().transform((v) => v ?? null),
  category,
  price: money,
});
export type CreateProductInput = z.infer<typeof createProductInput>;

/** Null or absent fields mean "leave unchanged". */
export const updateProductInput = z.object({
  id: z.string().max(100),
  name: name.nullish(),
  // Kept raw: null means "unchanged" here, while "" means "remove the description".
  description: z.string().max(5000, 'Description must be at most 5000 characters').nullish(),
  category: category.nullish(),
  price: money.nullish(),
});
export type UpdateProductInput = z.infer<typeof updateProductInput>;

export interface ProductFilter {
  search: string | null;
  category: string | null;
}

/** Normalises the listing filter (blank criteria are no criteria); refuses over-long ones. */
export function parseFilter(
  filter: { search?: string | null; category?: string | null } | null | undefined,
): ProductFilter {
  const search = filter?.search?.trim() || null;
  const categoryValue = filter?.category?.trim() || null;
  if (search && search.length > MAX_SEARCH_LENGTH) {
    throw badUserInput(`search must be at most ${MAX_SEARCH_LENGTH} characters`, [
      'filter',
      'search',
    ]);
  }
  if (categoryValue && categoryValue.length > 100) {
    throw badUserInput('category must be at most 100 characters', ['filter', 'category']);
  }
  return { search, category: categoryValue };
}
