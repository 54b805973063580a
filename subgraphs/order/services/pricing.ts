import { DomainError, type UserError } from '../../../platform/errors.js';
import type { CatalogProduct } from '../entities.js';
import type { PlaceOrderRequest } from './order-input.js';

/** GraphQL's Int is 32-bit: a total beyond it could not be shown to anyone. */
export const MAX_AMOUNT = 2_147_483_647;

export interface PricedLine {
  productId: string;
  quantity: number;
  unitPriceAmount: number;
  currency: string;
}

export interface PricedOrder {
  lines: PricedLine[];
  totalAmount: number;
  currency: string;
}

/**
 * Prices the requested lines from the catalogue projection: the unit price is
 * the catalogue's, snapshotted into the line. Unknown and archived products
 * are PRODUCT_UNAVAILABLE on their line; one order is paid in one currency.
 */
export function priceOrder(
  items: PlaceOrderRequest['items'],
  catalog: ReadonlyMap<string, CatalogProduct>,
): PricedOrder {
  const unavailable: UserError[] = [];
  const lines: PricedLine[] = [];
  items.forEach((item, index) => {
    const product = catalog.get(item.productId);
    if (!product || !product.active) {
      unavailable.push({
        code: 'PRODUCT_UNAVAILABLE',
        field: ['items', String(index), 'productId'],
        message: product ? 'Product is no longer sold' : 'No such product',
      });
      return;
    }
    lines.push({
      productId: item.productId,
      quantity: item.quantity,
      unitPriceAmount: product.priceAmount,
      currency: product.priceCurrency,
    });
  });
  if (unavailable.length) throw new DomainError(unavailable);

  const currencies = new Set(lines.map((l) => l.currency));
  if (currencies.size > 1) {
    throw new DomainError(
      'VALIDATION',
      `Items are priced in different currencies (${[...currencies].sort().join(', ')}); order them separately`,
      ['items'],
    );
  }
  const totalAmount = lines.reduce((sum, l) => sum + l.unitPriceAmount * l.quantity, 0);
  if (totalAmount > MAX_AMOUNT) {
    throw new DomainError('VALIDATION', 'Order total is too large; split the order', ['items']);
  }
  return { lines, totalAmount, currency: lines[0]!.currency };
}
