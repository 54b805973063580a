import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, type UserError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/ids.js';
import { isCountryCode } from './countries.js';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

/** A placeOrder input that passed every rule, normalized (trimmed address, lower-case ids). */
export interface PlaceOrderRequest {
  idempotencyKey: string;
  items: { productId: string; quantity: number }[];
  shippingAddress: { line1: string; city: string; postalCode: string; country: string };
  paymentMethod: string;
}

const text = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} must be at most ${max} characters`);

const placeOrderInput = z.object({
  idempotencyKey: z
    .string()
    .max(100, 'Idempotency key must be at most 100 characters')
    .refine((v) => v.trim().length > 0, 'Idempotency key must not be empty'),
  items: z
    .array(
      z.object({
        // Whether it names a product is checked below (PRODUCT_UNAVAILABLE), not here.
        productId: z.string(),
        quantity: z
          .number()
          .int('Quantity must be a whole number')
          .min(1, 'Quantity must be at least 1')
          .max(MAX_QUANTITY, `Quantity must be at most ${MAX_QUANTITY}`),
      }),
    )
    .min(1, 'An order needs at least one item')
    .max(MAX_LINES, `An order can have at most ${MAX_LINES} items`),
  shippingAddress: z.object({
    line1: text('Address line', 200),
    city: text('City', 100),
    postalCode: text('Postal code', 20),
    country: z
      .string()
      .trim()
      .refine(isCountryCode, 'Country must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE'),
  }),
  paymentMethod: z
    .string()
    .min(4, 'Payment method must be 4 to 100 characters')
    .max(100, 'Payment method must be 4 to 100 characters')
    .refine((v) => v.startsWith('pm_'), 'Payment method must be a token starting with pm_'),
});

/**
 * Checks a placeOrder input against every rule at once and reports each
 * offending field once, by its path in the input (["items", "0", "quantity"]).
 * A productId that cannot name a product is PRODUCT_UNAVAILABLE, like an
 * unknown one; naming a product twice is VALIDATION.
 */
export function parsePlaceOrderInput(raw: unknown): PlaceOrderRequest {
  const items = (raw as { items?: unknown } | null)?.items;
  // Refuse oversized lists before looking at their elements: one clear error, bounded work.
  if (Array.isArray(items) && items.length > MAX_LINES) {
    throw new DomainError('VALIDATION', `An order can have at most ${MAX_LINES} items`, ['items']);
  }
  const result = placeOrderInput.safeParse(raw);
  const errors: UserError[] = result.success
    ? []
    : result.error.issues.map((issue) => ({
        code: 'VALIDATION',
        field: issue.path.map(String),
        message: issue.message,
      }));

  const seen = new Map<string, number>();
  if (Array.isArray(items)) {
    items.forEach((item: unknown, index) => {
      const productId = (item as { productId?: unknown } | null)?.productId;
      if (typeof productId !== 'string') return;
      const field = ['items', String(index), 'productId'];
      if (!isUuid(productId)) {
        errors.push({ code: 'PRODUCT_UNAVAILABLE', field, message: 'No such product' });
        return;
      }
      const first = seen.get(productId.toLowerCase());
      if (first !== undefined) {
        errors.push({
          code: 'VALIDATION',
          field,
          message: `Product is already ordered in item ${first}; change that item's quantity instead`,
        });
      } else {
        seen.set(productId.toLowerCase(), index);
      }
    });
  }

  if (errors.length || !result.success) throw new DomainError(firstPerField(errors));
  const input = result.data;
  return {
    ...input,
    items: input.items.map((i) => ({ productId: i.productId.toLowerCase(), quantity: i.quantity })),
  };
}

function firstPerField(errors: UserError[]): UserError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = JSON.stringify(e.field);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What makes two placeOrder requests "the same order": the lines (in any
 * order), the address and the payment method. A retry with the same
 * idempotency key must match it; the key itself is not part of it.
 */
export function requestFingerprint(request: PlaceOrderRequest): string {
  const lines = [...request.items]
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
    .map((i) => [i.productId, i.quantity]);
  const a = request.shippingAddress;
  const normalized = JSON.stringify([
    lines,
    [a.line1, a.city, a.postalCode, a.country],
    request.paymentMethod,
  ]);
  return createHash('sha256').update(normalized).digest('hex');
}
