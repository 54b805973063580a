import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import { applyTransitionTo } from './services/order-transitions.js';
import type { OrderEvent } from './services/order-state-machine.js';
import {
  admin,
  customer,
  orderInput,
  outboxEvents,
  placeOrder,
  seedProduct,
  startOrderService,
  type OrderView,
  type TestOrderService,
  type UserErrorView,
} from './test-support.js';

let service: TestOrderService;

beforeAll(async () => {
  service = await startOrderService('orderlifecycle', 4432);
});
afterAll(async () => {
  await service?.stop();
});

type Command = 'cancelOrder' | 'shipOrder' | 'deliverOrder';

interface CommandResult {
  order: Pick<OrderView, 'id' | 'status' | 'statusReason' | 'version' | 'updatedAt'> | null;
  userErrors: UserErrorView[];
}

async function send(command: Command, id: string, identity: Identity | null) {
  const res = await service.call<Record<Command, CommandResult>>(
    `mutation($id: ID!) {
      ${command}(id: $id) {
        order { id status statusReason version updatedAt }
        userErrors { code field message }
      }
    }`,
    { id },
    identity,
  );
  return { result: res.data?.[command] ?? null, errors: res.errors };
}

async function stateOf(id: string) {
  const [row] = await service.sql<{
    status: string;
    status_reason: string | null;
    version: number;
  }>('SELECT status, status_reason, version FROM orders WHERE id = $1', [id]);
  return row;
}

/** Moves an order through the transition table as the saga and the commands do (one transaction per event). */
async function drive(orderId: string, ...events: OrderEvent[]) {
  for (const event of events) {
    await service.em().transactional((em) => applyTransitionTo(em, orderId, event));
  }
}

async function newOrder(owner: Identity = customer()) {
  const product = await seedProduct(service, { price: 1200 });
  const order = await placeOrder(service, owner, orderInput([{ productId: product, quantity: 2 }]));
  return { order, owner, product };
}

describe('cancelOrder', () => {
  it('cancels a PENDING order of the caller: CANCELLED(CUSTOMER_CANCELLED), version 2, order.cancelled with its lines', async () => {
    const { order, owner, product } = await newOrder();
    const { result } = await send('cancelOrder', order.id, owner);
    expect(result).toMatchObject({
      order: { id: order.id, status: 'CANCELLED', statusReason: 'CUSTOMER_CANCELLED', version: 2 },
      userErrors: [],
    });
    expect(Date.parse(result!.order!.updatedAt)).toBeGreaterThan(Date.parse(order.updatedAt));
    const events = await outboxEvents(service, order.id);
    expect(events.map((e) => [e.type, e.payload.aggregateVersion])).toEqual([
      ['order.placed', 1],
      ['order.cancelled', 2],
    ]);
    expect(events[1]!.payload.data).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'CUSTOMER_CANCELLED',
      items: [{ productId: product, quantity: 2, unitPrice: { amount: 1200, currency: 'EUR' } }],
    });
  });

  it('cancels while awaiting payment and once confirmed', async () => {
    const awaiting = await newOrder();
    await drive(awaiting.order.id, 'stockReserved');
    expect(
      (await send('cancelOrder', awaiting.order.id, awaiting.owner)).result?.order,
    ).toMatchObject({
      status: 'CANCELLED',
      version: 3,
    });
    const confirmed = await newOrder();
    await drive(confirmed.order.id, 'stockReserved', 'paymentSucceeded');
    expect(
      (await send('cancelOrder', confirmed.order.id, confirmed.owner)).result?.order,
    ).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'CUSTOMER_CANCELLED',
      version: 4,
    });
  });

  it('lets an admin cancel any customer’s order', async () => {
    const { order } = await newOrder();
    expect((await send('cancelOrder', order.id, admin())).result?.order?.status).toBe('CANCELLED');
  });

  it('refuses another customer with FORBIDDEN and changes nothing', async () => {
    const { order } = await newOrder();
    const { result, errors } = await send('cancelOrder', order.id, customer());
    expect(result).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await stateOf(order.id)).toEqual({ status: 'PENDING', status_reason: null, version: 1 });
    expect((await outboxEvents(service, order.id)).length).toBe(1);
  });

  it('refuses a signed-out caller with UNAUTHENTICATED', async () => {
    const { order } = await newOrder();
    const { result, errors } = await send('cancelOrder', order.id, null);
    expect(result).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await stateOf(order.id))?.status).toBe('PENDING');
  });

  it.each([
    ['an unknown id', uuidv7()],
    ['a malformed id', 'order-42'],
    ['an over-long id', 'x'.repeat(5000)],
  ])('answers NOT_FOUND for %s', async (_name, id) => {
    const { result } = await send('cancelOrder', id, customer());
    expect(result).toEqual({
      order: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: 'No such order' }],
    });
  });

  it('answers INVALID_STATE for an order already cancelled, and changes nothing', async () => {
    const { order, owner } = await newOrder();
    await send('cancelOrder', order.id, owner);
    const { result } = await send('cancelOrder', order.id, owner);
    expect(result).toMatchObject({ order: null, userErrors: [{ code: 'INVALID_STATE' }] });
    expect(await stateOf(order.id)).toMatchObject({ version: 2 });
  });

  it('answers INVALID_STATE once the order has shipped or been delivered', async () => {
    const shipped = await newOrder();
    await drive(shipped.order.id, 'stockReserved', 'paymentSucceeded', 'shipped');
    expect((await send('cancelOrder', shipped.order.id, shipped.owner)).result).toMatchObject({
      order: null,
      userErrors: [{ code: 'INVALID_STATE' }],
    });
    await drive(shipped.order.id, 'delivered');
    expect((await send('cancelOrder', shipped.order.id, admin())).result?.userErrors).toMatchObject(
      [{ code: 'INVALID_STATE' }],
    );
    expect(await stateOf(shipped.order.id)).toEqual({
      status: 'DELIVERED',
      status_reason: null,
      version: 5,
    });
  });

  it('lets exactly one of many concurrent cancellations through', async () => {
    const { order, owner } = await newOrder();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => send('cancelOrder', order.id, owner)),
    );
    const applied = results.filter((r) => r.result?.order);
    expect(applied.length).toBe(1);
    expect(results.filter((r) => r.result?.userErrors[0]?.code === 'INVALID_STATE').length).toBe(4);
    expect(await stateOf(order.id)).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect((await outboxEvents(service, order.id)).length).toBe(2);
  });
});

describe('shipOrder and deliverOrder', () => {
  it('ships a CONFIRMED order and delivers it, one version each, with their events', async () => {
    const { order } = await newOrder();
    await drive(order.id, 'stockReserved', 'paymentSucceeded');
    const back = admin();
    expect((await send('shipOrder', order.id, back)).result?.order).toMatchObject({
      status: 'SHIPPED',
      version: 4,
    });
    expect((await send('deliverOrder', order.id, back)).result?.order).toMatchObject({
      status: 'DELIVERED',
      statusReason: null,
      version: 5,
    });
    expect((await outboxEvents(service, order.id)).map((e) => e.type)).toEqual([
      'order.placed',
      'order.awaiting_payment',
      'order.confirmed',
      'order.shipped',
      'order.delivered',
    ]);
  });

  it.each(['shipOrder', 'deliverOrder'] as const)(
    '%s refuses a customer (even the owner) with FORBIDDEN and changes nothing',
    async (command) => {
      const { order, owner } = await newOrder();
      await drive(order.id, 'stockReserved', 'paymentSucceeded');
      if (command === 'deliverOrder') await drive(order.id, 'shipped');
      const before = await stateOf(order.id);
      for (const caller of [owner, customer()]) {
        const { result, errors } = await send(command, order.id, caller);
        expect(result).toBeNull();
        expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect(await stateOf(order.id)).toEqual(before);
    },
  );

  it.each(['shipOrder', 'deliverOrder'] as const)(
    '%s refuses a signed-out caller with UNAUTHENTICATED',
    async (command) => {
      const { order } = await newOrder();
      const { result, errors } = await send(command, order.id, null);
      expect(result).toBeNull();
      expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    },
  );

  it('refuses to ship an order that is not CONFIRMED with INVALID_STATE', async () => {
    const pending = await newOrder();
    const awaiting = await newOrder();
    await drive(awaiting.order.id, 'stockReserved');
    for (const id of [pending.order.id, awaiting.order.id]) {
      const before = await stateOf(id);
      const { result } = await send('shipOrder', id, admin());
      expect(result).toMatchObject({ order: null, userErrors: [{ code: 'INVALID_STATE' }] });
      expect(await stateOf(id)).toEqual(before);
    }
  });

  it('refuses to deliver an order that has not shipped with INVALID_STATE', async () => {
    const { order } = await newOrder();
    await drive(order.id, 'stockReserved', 'paymentSucceeded');
    const { result } = await send('deliverOrder', order.id, admin());
    expect(result).toMatchObject({ order: null, userErrors: [{ code: 'INVALID_STATE' }] });
    expect((await stateOf(order.id))?.status).toBe('CONFIRMED');
  });

  it.each(['shipOrder', 'deliverOrder'] as const)(
    '%s answers NOT_FOUND for unknown and malformed ids',
    async (command) => {
      for (const id of [uuidv7(), 'nope']) {
        expect((await send(command, id, admin())).result).toMatchObject({
          order: null,
          userErrors: [{ code: 'NOT_FOUND', field: ['id'] }],
        });
      }
    },
  );
});
