import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../platform/ids.js';
import { applyProductEvent } from './services/catalog-projection.js';
import {
  PLACE_ORDER,
  admin,
  customer,
  orderInput,
  outboxEvents,
  placeOrder,
  seedProduct,
  startOrderService,
  type PlaceOrderResult,
  type TestOrderService,
} from './test-support.js';

let service: TestOrderService;

beforeAll(async () => {
  service = await startOrderService('placeorder', 4431, { ORDER_TTL: '15m' });
});
afterAll(async () => {
  await service?.stop();
});

const place = (input: unknown, identity = customer()) =>
  service.call<PlaceOrderResult>(PLACE_ORDER, { input }, identity);

const orderCount = async (customerId: string) =>
  Number(
    (
      await service.sql<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        customerId,
      ])
    )[0]?.n,
  );

describe('placeOrder', () => {
  it('places a PENDING order at version 1, priced from the catalogue projection', async () => {
    const a = await seedProduct(service, { price: 1999 });
    const b = await seedProduct(service, { price: 250 });
    const me = customer();
    const before = Date.now();
    const order = await placeOrder(
      service,
      me,
      orderInput([
        { productId: a, quantity: 2 },
        { productId: b, quantity: 3 },
      ]),
    );
    expect(order).toMatchObject({
      status: 'PENDING',
      statusReason: null,
      version: 1,
      total: { amount: 2 * 1999 + 3 * 250, currency: 'EUR' },
      items: [
        {
          quantity: 2,
          unitPrice: { amount: 1999, currency: 'EUR' },
          lineTotal: { amount: 3998, currency: 'EUR' },
          product: { id: a },
        },
        {
          quantity: 3,
          unitPrice: { amount: 250, currency: 'EUR' },
          lineTotal: { amount: 750, currency: 'EUR' },
          product: { id: b },
        },
      ],
      shippingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      customer: { id: me.userId },
    });
    expect(Date.parse(order.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(order.updatedAt).toBe(order.createdAt);
  });

  it('records order.placed with the lines, total and payment method in the same transaction', async () => {
    const product = await seedProduct(service, { price: 500 });
    const order = await placeOrder(
      service,
      customer(),
      orderInput([{ productId: product, quantity: 4 }]),
    );
    const events = await outboxEvents(service, order.id);
    expect(events.map((e) => e.type)).toEqual(['order.placed']);
    expect(events[0]!.payload).toMatchObject({
      aggregateId: order.id,
      aggregateVersion: 1,
      data: {
        orderId: order.id,
        status: 'PENDING',
        version: 1,
        items: [{ productId: product, quantity: 4, unitPrice: { amount: 500, currency: 'EUR' } }],
        total: { amount: 2000, currency: 'EUR' },
        paymentMethod: 'pm_card_visa',
      },
    });
  });

  it('stores an expiry one ORDER_TTL after placement', async () => {
    const product = await seedProduct(service);
    const order = await placeOrder(service, customer(), orderInput([{ productId: product }]));
    const [row] = await service.sql<{ ttl: number }>(
      'SELECT extract(epoch FROM expires_at - created_at) AS ttl FROM orders WHERE id = $1',
      [order.id],
    );
    expect(Number(row!.ttl)).toBe(15 * 60);
  });

  it('keeps the price an order was placed at when the catalogue price changes', async () => {
    const product = await seedProduct(service, { price: 1000, version: 1 });
    const order = await placeOrder(service, customer(), orderInput([{ productId: product }]));
    await seedProduct(service, { productId: product, price: 1500, version: 2 });
    const later = await placeOrder(service, customer(), orderInput([{ productId: product }]));
    expect(later.items[0]!.unitPrice.amount).toBe(1500);
    const again = await service.call<{ order: { items: { unitPrice: { amount: number } }[] } }>(
      'query($id: ID!) { order(id: $id) { items { unitPrice { amount } } } }',
      { id: order.id },
      admin(),
    );
    expect(again.data?.order.items[0]!.unitPrice.amount).toBe(1000);
  });

  it('refuses a signed-out caller with UNAUTHENTICATED and creates nothing', async () => {
    const product = await seedProduct(service);
    const input = orderInput([{ productId: product }]);
    const res = await service.call<PlaceOrderResult>(PLACE_ORDER, { input }, null);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeNull();
    const [row] = await service.sql<{ n: string }>(
      'SELECT count(*) AS n FROM orders WHERE idempotency_key = $1',
      [input.idempotencyKey],
    );
    expect(Number(row!.n)).toBe(0);
  });
});

describe('placeOrder refusals', () => {
  it('answers PRODUCT_UNAVAILABLE on the line of an archived product, and creates nothing', async () => {
    const ok = await seedProduct(service);
    const archived = await seedProduct(service, { active: false });
    const me = customer();
    const res = await place(orderInput([{ productId: ok }, { productId: archived }]), me);
    expect(res.data?.placeOrder).toEqual({
      order: null,
      userErrors: [
        {
          code: 'PRODUCT_UNAVAILABLE',
          field: ['items', '1', 'productId'],
          message: expect.any(String),
        },
      ],
    });
    expect(await orderCount(me.userId)).toBe(0);
  });

  it('answers PRODUCT_UNAVAILABLE for an unknown product after waiting briefly for the projection', async () => {
    const started = Date.now();
    // Made an hour ago: not one the catalogue could have just created.
    const res = await place(orderInput([{ productId: uuidv7(Date.now() - 3_600_000) }]));
    expect(res.data?.placeOrder.userErrors).toEqual([
      {
        code: 'PRODUCT_UNAVAILABLE',
        field: ['items', '0', 'productId'],
        message: 'No such product',
      },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('answers PRODUCT_UNAVAILABLE at once for a malformed product id', async () => {
    const started = Date.now();
    const res = await place(orderInput([{ productId: 'not-a-uuid' }]));
    expect(res.data?.placeOrder.userErrors).toEqual([
      {
        code: 'PRODUCT_UNAVAILABLE',
        field: ['items', '0', 'productId'],
        message: 'No such product',
      },
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('accepts a product whose creation event arrives while the order waits (read-your-writes)', async () => {
    const productId = uuidv7();
    const pending = place(orderInput([{ productId }]));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await seedProduct(service, { productId, price: 777 });
    const res = await pending;
    expect(res.data?.placeOrder.userErrors).toEqual([]);
    expect(res.data?.placeOrder.order?.total.amount).toBe(777);
  });

  it('waits for new products without holding up other orders (no admission slot while it waits)', async () => {
    // More than ORDER_PLACE_CONCURRENCY (6) orders naming products made moments ago that never arrive.
    const waiting = Array.from({ length: 8 }, () => place(orderInput([{ productId: uuidv7() }])));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const known = await seedProduct(service, { price: 910 });
    const started = Date.now();
    const res = await place(orderInput([{ productId: known }]));
    expect(res.data?.placeOrder.order?.total.amount).toBe(910);
    expect(Date.now() - started).toBeLessThan(2_500);
    for (const unknown of await Promise.all(waiting)) {
      expect(unknown.data?.placeOrder.userErrors).toMatchObject([{ code: 'PRODUCT_UNAVAILABLE' }]);
    }
  });

  it('refuses lines priced in different currencies with VALIDATION on items', async () => {
    const eur = await seedProduct(service, { currency: 'EUR' });
    const usd = await seedProduct(service, { currency: 'USD' });
    const res = await place(orderInput([{ productId: eur }, { productId: usd }]));
    expect(res.data?.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'VALIDATION', field: ['items'] }],
    });
  });

  it('refuses a total beyond what a GraphQL Int can carry', async () => {
    const pricey = await seedProduct(service, { price: 100_000_000 });
    const res = await place(orderInput([{ productId: pricey, quantity: 1000 }]));
    expect(res.data?.placeOrder.userErrors).toMatchObject([
      { code: 'VALIDATION', field: ['items'] },
    ]);
  });

  it.each([
    ['zero quantity', { quantity: 0 }, ['items', '0', 'quantity']],
    ['negative quantity', { quantity: -1 }, ['items', '0', 'quantity']],
    ['quantity over 1000', { quantity: 1001 }, ['items', '0', 'quantity']],
  ])('answers VALIDATION for a %s and creates nothing', async (_name, line, field) => {
    const product = await seedProduct(service);
    const me = customer();
    const res = await place(orderInput([{ productId: product, ...line }]), me);
    expect(res.data?.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'VALIDATION', field }],
    });
    expect(await orderCount(me.userId)).toBe(0);
  });

  it.each([
    ['no items', { items: [] }, ['items']],
    ['an empty idempotency key', { idempotencyKey: '' }, ['idempotencyKey']],
    ['an over-long idempotency key', { idempotencyKey: 'k'.repeat(101) }, ['idempotencyKey']],
    ['a payment method without pm_', { paymentMethod: 'visa_card' }, ['paymentMethod']],
    ['an empty payment method', { paymentMethod: '' }, ['paymentMethod']],
    [
      'an empty street',
      { shippingAddress: { line1: '', city: 'Berlin', postalCode: '10115', country: 'DE' } },
      ['shippingAddress', 'line1'],
    ],
    [
      'an over-long city',
      { shippingAddress: { line1: 'a', city: 'c'.repeat(101), postalCode: '1', country: 'DE' } },
      ['shippingAddress', 'city'],
    ],
    [
      'an unknown country',
      { shippingAddress: { line1: 'a', city: 'b', postalCode: '1', country: 'XX' } },
      ['shippingAddress', 'country'],
    ],
  ])('answers VALIDATION for %s', async (_name, override, field) => {
    const product = await seedProduct(service);
    const me = customer();
    const res = await place(orderInput([{ productId: product }], override), me);
    expect(res.data?.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'VALIDATION', field }],
    });
    expect(await orderCount(me.userId)).toBe(0);
  });

  it('answers VALIDATION for 51 lines', async () => {
    const product = await seedProduct(service);
    const items = Array.from({ length: 51 }, () => ({ productId: product }));
    const res = await place(orderInput(items));
    expect(res.data?.placeOrder.userErrors).toMatchObject([
      { code: 'VALIDATION', field: ['items'] },
    ]);
  });

  it('refuses wrongly typed input before the resolver runs', async () => {
    const product = await seedProduct(service);
    for (const quantity of ['two', 1.5, 2 ** 31, null]) {
      const input = {
        ...orderInput([{ productId: product }]),
        items: [{ productId: product, quantity }],
      };
      const res = await place(input);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const missing = await place({ items: [{ productId: product, quantity: 1 }] });
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('placeOrder idempotency', () => {
  it('returns the same order for the same key and content, and records no second event', async () => {
    const product = await seedProduct(service);
    const me = customer();
    const input = orderInput([{ productId: product, quantity: 2 }]);
    const first = await placeOrder(service, me, input);
    const second = await placeOrder(service, me, input);
    expect(second).toEqual(first);
    expect(await orderCount(me.userId)).toBe(1);
    expect((await outboxEvents(service, first.id)).length).toBe(1);
  });

  it('answers VALIDATION on idempotencyKey when the key comes back with other content', async () => {
    const product = await seedProduct(service);
    const me = customer();
    const input = orderInput([{ productId: product, quantity: 1 }]);
    await placeOrder(service, me, input);
    const res = await place({ ...input, items: [{ productId: product, quantity: 2 }] }, me);
    expect(res.data?.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'VALIDATION', field: ['idempotencyKey'] }],
    });
    expect(await orderCount(me.userId)).toBe(1);
  });

  it('replays an order even after its product was archived', async () => {
    const product = await seedProduct(service, { version: 1 });
    const me = customer();
    const input = orderInput([{ productId: product }]);
    const first = await placeOrder(service, me, input);
    await seedProduct(service, { productId: product, active: false, version: 2 });
    expect((await placeOrder(service, me, input)).id).toBe(first.id);
  });

  it('keeps keys per customer: two customers may use the same key', async () => {
    const product = await seedProduct(service);
    const input = orderInput([{ productId: product }]);
    const a = await placeOrder(service, customer(), input);
    const b = await placeOrder(service, customer(), input);
    expect(a.id).not.toBe(b.id);
  });

  it('creates one order when the same request arrives many times at once', async () => {
    const product = await seedProduct(service);
    const me = customer();
    const input = orderInput([{ productId: product }]);
    const results = await Promise.all(Array.from({ length: 6 }, () => place(input, me)));
    const ids = new Set(results.map((r) => r.data?.placeOrder.order?.id));
    expect(results.every((r) => r.data?.placeOrder.userErrors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await orderCount(me.userId)).toBe(1);
  });
});

describe('catalogue projection', () => {
  const snapshot = (productId: string, version: number, amount: number, type = 'product.updated') =>
    ({
      id: uuidv7(),
      type,
      occurredAt: new Date().toISOString(),
      aggregateId: productId,
      aggregateVersion: version,
      traceId: null,
      data: {
        productId,
        sku: 'SKU-P',
        name: 'Projected',
        category: 'test',
        price: { amount, currency: 'EUR' },
        active: true,
      },
    }) as Parameters<typeof applyProductEvent>[1];

  const apply = (event: Parameters<typeof applyProductEvent>[1]) =>
    service.em().transactional((em) => applyProductEvent(em, event));

  const row = async (productId: string) =>
    (
      await service.sql<{ price_amount: number; active: boolean; version: number }>(
        'SELECT price_amount, active, version FROM catalog_products WHERE product_id = $1',
        [productId],
      )
    )[0];

  it('applies newer snapshots and ignores older or repeated ones', async () => {
    const productId = uuidv7();
    expect(await apply(snapshot(productId, 1, 100, 'product.created'))).toBe(true);
    expect(await apply(snapshot(productId, 3, 300))).toBe(true);
    expect(await apply(snapshot(productId, 2, 200))).toBe(false);
    expect(await apply(snapshot(productId, 3, 999))).toBe(false);
    expect(await row(productId)).toEqual({ price_amount: 300, active: true, version: 3 });
  });

  it('marks an archived product inactive, which makes it unavailable to order', async () => {
    const productId = uuidv7();
    await apply(snapshot(productId, 1, 100, 'product.created'));
    await apply(snapshot(productId, 2, 100, 'product.archived'));
    expect(await row(productId)).toMatchObject({ active: false, version: 2 });
    const res = await place(orderInput([{ productId }]));
    expect(res.data?.placeOrder.userErrors).toMatchObject([{ code: 'PRODUCT_UNAVAILABLE' }]);
  });
});
