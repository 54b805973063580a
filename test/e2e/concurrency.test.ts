import { describe, expect, it } from 'vitest';
import { AdminOrderDocument } from '../../client/__generated__/graphql.js';
import { gql } from '../support/client.js';
import {
  adminToken,
  createProduct,
  eventually,
  signUpCustomer,
  placeOrderRetrying,
} from '../support/fixtures.js';

describe('concurrent checkout', () => {
  it('sells exactly the stock on hand when 100 orders race for 10 units', async () => {
    const admin = await adminToken();
    const product = await createProduct(admin, { stock: 10 });
    const customers = await Promise.all(Array.from({ length: 10 }, () => signUpCustomer()));
    const placed = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        placeOrderRetrying(customers[i % customers.length]!, product, 1),
      ),
    );
    // Every one placed (and what came back instead, if not). Clients retry
    // with the same idempotencyKey when told "not now"; on a shared machine
    // that stalls, a burst of 100 may be.
    expect(placed.filter((p) => !p.data?.placeOrder.order).map((p) => p.errors ?? p.data)).toEqual(
      [],
    );
    const ids = placed.map((p) => p.data?.placeOrder.order?.id);

    const finals = await eventually(
      async () => {
        const views = await Promise.all(
          ids.map((id) => gql(AdminOrderDocument, { id: id! }, { token: admin })),
        );
        const orders = views.map((v) => v.data?.order);
        const settled = orders.every(
          (o) => o && (o.status === 'CONFIRMED' || o.status === 'CANCELLED'),
        );
        return settled ? orders : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: '100 orders to settle' },
    );
    const confirmed = finals.filter((o) => o!.status === 'CONFIRMED');
    const outOfStock = finals.filter((o) => o!.statusReason === 'OUT_OF_STOCK');
    expect(confirmed).toHaveLength(10);
    expect(outOfStock).toHaveLength(90);
    expect(outOfStock.every((o) => o!.payment === null)).toBe(true);
    expect(finals[0]!.items[0]!.product.inventory).toEqual({
      onHand: 0,
      reserved: 0,
      available: 0,
    });
  });
});
