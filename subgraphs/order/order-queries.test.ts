import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../platform/identity.js';
import { uuidv7 } from '../../platform/ids.js';
import {
  admin,
  customer,
  orderInput,
  placeOrder,
  seedProduct,
  startOrderService,
  type OrderView,
  type TestOrderService,
} from './test-support.js';

let service: TestOrderService;
let product: string;

beforeAll(async () => {
  service = await startOrderService('orderqueries', 4434);
  product = await seedProduct(service, { price: 300 });
});
afterAll(async () => {
  await service?.stop();
});

const ORDER = `query($id: ID!) { order(id: $id) { id status total { amount } items { quantity } customer { id } } }`;

interface Page {
  totalCount: number;
  edges: { cursor: string; node: Pick<OrderView, 'id' | 'status'> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PAGE =
  'totalCount edges { cursor node { id status items { quantity } } } pageInfo { hasNextPage endCursor }';

/** User.orders as the gateway fetches it: an `_entities` call with the user's key. */
async function userOrders(userId: string, caller: Identity | null, first?: number, after?: string) {
  const res = await service.call<{ _entities: ({ orders: Page } | null)[] }>(
    `query($reps: [_Any!]!, $first: Int, $after: String) {
      _entities(representations: $reps) { ... on User { orders(first: $first, after: $after) { ${PAGE} } } }
    }`,
    { reps: [{ __typename: 'User', id: userId }], first, after },
    caller,
  );
  return { page: res.data?._entities[0]?.orders ?? null, errors: res.errors };
}

async function adminOrders(
  caller: Identity | null,
  variables: { first?: number; after?: string; filter?: Record<string, unknown> },
) {
  const res = await service.call<{ orders: Page }>(
    `query($first: Int, $after: String, $filter: OrderFilter) {
      orders(first: $first, after: $after, filter: $filter) { ${PAGE} }
    }`,
    variables,
    caller,
  );
  return { page: res.data?.orders ?? null, errors: res.errors };
}

async function ordersOf(owner: Identity, count: number) {
  const placed: OrderView[] = [];
  for (let i = 0; i < count; i++) {
    placed.push(
      await placeOrder(service, owner, orderInput([{ productId: product, quantity: i + 1 }])),
    );
  }
  return placed;
}

describe('order(id)', () => {
  it('shows an order to its customer and to admins', async () => {
    const owner = customer();
    const [order] = await ordersOf(owner, 1);
    for (const caller of [owner, admin()]) {
      const res = await service.call<{ order: OrderView }>(ORDER, { id: order!.id }, caller);
      expect(res.errors).toBeUndefined();
      expect(res.data?.order).toMatchObject({
        id: order!.id,
        status: 'PENDING',
        total: { amount: 300 },
        customer: { id: owner.userId },
      });
    }
  });

  it('answers another customer with FORBIDDEN and order: null', async () => {
    const [order] = await ordersOf(customer(), 1);
    const res = await service.call(ORDER, { id: order!.id }, customer());
    expect(res.data).toEqual({ order: null });
    expect(res.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['FORBIDDEN', ['order']],
    ]);
  });

  it('answers a signed-out caller with UNAUTHENTICATED', async () => {
    const [order] = await ordersOf(customer(), 1);
    const res = await service.call(ORDER, { id: order!.id }, null);
    expect(res.data).toEqual({ order: null });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['unknown', uuidv7()],
    ['malformed', 'not-an-id'],
    ['empty', ''],
  ])('answers null without an error for an %s id', async (_name, id) => {
    const res = await service.call(ORDER, { id }, customer());
    expect(res).toEqual({ data: { order: null } });
  });

  it('resolves an Order reference with the same visibility rules', async () => {
    const owner = customer();
    const [order] = await ordersOf(owner, 1);
    const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id version } } }`;
    const reps = [{ __typename: 'Order', id: order!.id }];
    const mine = await service.call<{ _entities: unknown[] }>(query, { reps }, owner);
    expect(mine.data?._entities).toEqual([{ id: order!.id, version: 1 }]);
    const theirs = await service.call<{ _entities: unknown[] }>(query, { reps }, customer());
    expect(theirs.data?._entities).toEqual([null]);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('subscriptions', () => {
  it('answers a subscription sent to the subgraph over HTTP with an error pointing to the gateway', async () => {
    const res = await service.call('subscription { myOrderUpdates { id } }', {}, customer());
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: expect.stringContaining('served by the gateway'),
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});

describe('User.orders', () => {
  it('lists the user’s orders newest first, page by page, with a total', async () => {
    const owner = customer();
    const placed = await ordersOf(owner, 5);
    const newestFirst = placed.map((o) => o.id).reverse();

    const first = await userOrders(owner.userId, owner, 2);
    expect(first.errors).toBeUndefined();
    expect(first.page?.totalCount).toBe(5);
    expect(first.page?.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.page?.pageInfo.hasNextPage).toBe(true);

    const second = await userOrders(owner.userId, owner, 2, first.page!.pageInfo.endCursor!);
    expect(second.page?.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(2, 4));
    const third = await userOrders(owner.userId, owner, 2, second.page!.pageInfo.endCursor!);
    expect(third.page?.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(4));
    expect(third.page?.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: third.page?.edges[0]?.cursor,
    });
    // Lines come along (batched per request).
    expect(first.page?.edges[0]?.node).toMatchObject({ items: [{ quantity: 5 }] });
  });

  it('defaults to ten orders and shows an empty connection for a user without orders', async () => {
    const owner = customer();
    await ordersOf(owner, 11);
    expect((await userOrders(owner.userId, owner)).page?.edges.length).toBe(10);
    const nobody = customer();
    expect((await userOrders(nobody.userId, nobody)).page).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
  });

  it('shows a user’s orders to admins but refuses other users with FORBIDDEN', async () => {
    const owner = customer();
    await ordersOf(owner, 1);
    expect((await userOrders(owner.userId, admin())).page?.totalCount).toBe(1);
    const other = await userOrders(owner.userId, customer());
    expect(other.page).toBeNull();
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await userOrders(owner.userId, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses page sizes outside 1-100 and foreign cursors with BAD_USER_INPUT', async () => {
    const owner = customer();
    for (const [first, after] of [
      [0, undefined],
      [101, undefined],
      [-1, undefined],
      [5, 'garbage'],
      [5, Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url')],
    ] as const) {
      const res = await userOrders(owner.userId, owner, first, after);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('orders (back office)', () => {
  it('lists every order of a customer for admins, filtered by status', async () => {
    const owner = customer();
    const placed = await ordersOf(owner, 3);
    await service.call(
      'mutation($id: ID!) { cancelOrder(id: $id) { order { id } } }',
      { id: placed[1]!.id },
      owner,
    );

    const all = await adminOrders(admin(), { filter: { customerId: owner.userId } });
    expect(all.page?.totalCount).toBe(3);
    expect(all.page?.edges.map((e) => e.node.id)).toEqual(placed.map((o) => o.id).reverse());

    const cancelled = await adminOrders(admin(), {
      filter: { customerId: owner.userId, status: 'CANCELLED' },
    });
    expect(cancelled.page?.edges.map((e) => e.node.id)).toEqual([placed[1]!.id]);
    expect(cancelled.page?.totalCount).toBe(1);
  });

  it('pages through all orders newest first without gaps or repeats', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    let total = 0;
    for (;;) {
      const { page } = await adminOrders(admin(), { first: 7, ...(after ? { after } : {}) });
      total = page!.totalCount;
      ids.push(...page!.edges.map((e) => e.node.id));
      if (!page!.pageInfo.hasNextPage) break;
      after = page!.pageInfo.endCursor!;
    }
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);
  });

  it('answers a malformed customerId filter with an empty list', async () => {
    const { page, errors } = await adminOrders(admin(), { filter: { customerId: 'nope' } });
    expect(errors).toBeUndefined();
    expect(page?.totalCount).toBe(0);
  });

  it('refuses customers with FORBIDDEN and signed-out callers with UNAUTHENTICATED', async () => {
    const asCustomer = await adminOrders(customer(), {});
    expect(asCustomer.page).toBeNull();
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await adminOrders(null, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('batching', () => {
  /** SELECTs on a table while `run` executes, as the service's ORM sends them. */
  async function selectsDuring(run: () => Promise<unknown>) {
    const logger = service.running.runtime.orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    const queries: string[] = [];
    logger.logQuery = (context) => {
      queries.push(context.query ?? '');
      original(context);
    };
    try {
      await run();
    } finally {
      logger.logQuery = original;
    }
    const on = (table: string) =>
      queries.filter(
        (q) => /^\s*select/i.test(q) && new RegExp(`from "?${table}"?\\s`, 'i').test(q),
      ).length;
    return { orders: on('orders'), lines: on('order_lines') };
  }

  it('loads several order references and all their lines with one query each', async () => {
    const owner = customer();
    const placed = await ordersOf(owner, 4);
    const counts = await selectsDuring(() =>
      service.call(
        `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id items { quantity } } } }`,
        { reps: placed.map((o) => ({ __typename: 'Order', id: o.id })) },
        owner,
      ),
    );
    expect(counts).toEqual({ orders: 1, lines: 1 });
  });

  it('loads the lines of a whole page of orders with one query', async () => {
    const owner = customer();
    await ordersOf(owner, 4);
    const counts = await selectsDuring(() => userOrders(owner.userId, owner, 4));
    // The page and its total count, then one query for every order's lines.
    expect(counts).toEqual({ orders: 2, lines: 1 });
  });
});
