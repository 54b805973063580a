import type { SubgraphName } from '../../platform/config.js';
import { percentile } from './analysis.js';
import type { ServiceDatabases } from './db.js';
import type { PhaseRun } from './load.js';
import type { Outcome } from './outcomes.js';

/**
 * Where the time between placeOrder and CONFIRMED goes, hop by hop, read
 * afterwards from the services' own tables (an operator's view, as
 * `npm run events:history` takes): each event's `occurredAt` (written in
 * the producing transaction, before its commit), the outbox row's
 * `published_at` (after Kafka acknowledged it), and each consumer's inbox
 * `handled_at` (the start of the transaction that handled it). All clocks
 * are this machine's. `published_at` is written after Kafka acknowledged
 * the batch, so a fast consumer can start before it (a small negative
 * "Kafka →" hop); a consumer handling several events in one transaction
 * stamps them all with its start, so the "handler" hop of later events in
 * the chunk includes the earlier ones' work.
 */

interface EventTimes {
  id: string;
  occurredAt: number;
  publishedAt: number | null;
}

export interface HopFigures {
  name: string;
  /** Which part of the pipeline: the request, a relay, Kafka + a consumer, a handler, the gateway's fan-out. */
  kind: 'request' | 'relay' | 'delivery' | 'handler' | 'fan-out';
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

type Chain = Array<{ name: string; kind: HopFigures['kind']; from: number; to: number }>;

const OUTBOX_COLUMNS = `id::text AS id, type, key, payload->'data'->>'orderId' AS order_id,
  (extract(epoch FROM (payload->>'occurredAt')::timestamptz) * 1000)::float8 AS occurred_at,
  (extract(epoch FROM published_at) * 1000)::float8 AS published_at`;

interface OutboxRow {
  id: string;
  type: string;
  order_id: string;
  occurred_at: number;
  published_at: number | null;
}

/** Per order id, per event type: that event's times. */
async function eventsByOrder(db: ServiceDatabases, orderIds: string[]) {
  const [order, inventory, payment] = await Promise.all([
    db.query<OutboxRow>('order', `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE key = ANY($1)`, [
      orderIds,
    ]),
    db.query<OutboxRow>('inventory', `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE key = ANY($1)`, [
      orderIds,
    ]),
    db.query<OutboxRow>(
      'payment',
      `SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE payload->'data'->>'orderId' = ANY($1)`,
      [orderIds],
    ),
  ]);
  const byOrder = new Map<string, Map<string, EventTimes>>();
  for (const row of [...order, ...inventory, ...payment]) {
    let events = byOrder.get(row.order_id);
    if (!events) byOrder.set(row.order_id, (events = new Map()));
    // The first event of a type per order (an order has one of each on the happy path).
    if (!events.has(row.type)) {
      events.set(row.type, {
        id: row.id,
        occurredAt: row.occurred_at,
        publishedAt: row.published_at,
      });
    }
  }
  return byOrder;
}

/** When each consumer started handling each event, by event id. */
async function handledAt(db: ServiceDatabases, eventIds: string[]) {
  const handled = new Map<string, number>();
  await Promise.all(
    (['order', 'inventory', 'payment'] as const).map(async (service) => {
      const rows = await db.query<{ event_id: string; handled_at: number }>(
        service,
        `SELECT event_id::text AS event_id, (extract(epoch FROM handled_at) * 1000)::float8 AS handled_at
           FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])`,
        [service, eventIds],
      );
      for (const row of rows) handled.set(`${service}:${row.event_id}`, row.handled_at);
    }),
  );
  return handled;
}

/** The saga's hops in order: [name, kind, producing event, consumer that handles it]. */
const SAGA: Array<[string, string, SubgraphName]> = [
  ['order.placed', 'inventory', 'inventory'],
  ['inventory.reserved', 'order', 'order'],
  ['order.awaiting_payment', 'payment', 'payment'],
  ['payment.succeeded', 'order', 'order'],
];
const NEXT_EVENT: Record<string, string> = {
  'order.placed': 'inventory.reserved',
  'inventory.reserved': 'order.awaiting_payment',
  'order.awaiting_payment': 'payment.succeeded',
  'payment.succeeded': 'order.confirmed',
};
const PRODUCER: Record<string, string> = {
  'order.placed': 'order',
  'inventory.reserved': 'inventory',
  'order.awaiting_payment': 'order',
  'payment.succeeded': 'payment',
  'order.confirmed': 'order',
};

function chainOf(
  sentAt: number,
  seenAt: number,
  events: Map<string, EventTimes>,
  handled: Map<string, number>,
): Chain | null {
  const placed = events.get('order.placed');
  const confirmed = events.get('order.confirmed');
  if (!placed || !confirmed?.publishedAt) return null;
  const chain: Chain = [
    {
      name: 'placeOrder → order.placed written',
      kind: 'request',
      from: sentAt,
      to: placed.occurredAt,
    },
  ];
  for (const [type, consumer] of SAGA) {
    const event = events.get(type);
    const next = events.get(NEXT_EVENT[type]!);
    const at = event ? handled.get(`${consumer}:${event.id}`) : undefined;
    if (!event?.publishedAt || !next || at === undefined) return null;
    chain.push(
      {
        name: `${PRODUCER[type]} relay: ${type}`,
        kind: 'relay',
        from: event.occurredAt,
        to: event.publishedAt,
      },
      {
        name: `Kafka → ${consumer} consumer: ${type}`,
        kind: 'delivery',
        from: event.publishedAt,
        to: at,
      },
      {
        name: `${consumer} handler → ${NEXT_EVENT[type]} written`,
        kind: 'handler',
        from: at,
        to: next.occurredAt,
      },
    );
  }
  chain.push(
    {
      name: 'order relay: order.confirmed',
      kind: 'relay',
      from: confirmed.occurredAt,
      to: confirmed.publishedAt,
    },
    {
      name: 'gateway fan-out → subscriber',
      kind: 'fan-out',
      from: confirmed.publishedAt,
      to: seenAt,
    },
  );
  return chain;
}

/** Hop figures over the phase's confirmed orders (a sample of at most `limit`, evenly spread). */
export async function measureHops(
  db: ServiceDatabases,
  run: PhaseRun,
  outcomes: ReadonlyMap<string, Outcome>,
  limit = 5_000,
): Promise<HopFigures[]> {
  const confirmed = run.orders.filter(
    (o) => o.orderId && outcomes.get(o.orderId)?.status === 'CONFIRMED',
  );
  const step = Math.max(1, Math.ceil(confirmed.length / limit));
  const sample = confirmed.filter((_, i) => i % step === 0);
  if (sample.length === 0) return [];
  const events = await eventsByOrder(
    db,
    sample.map((o) => o.orderId!),
  );
  const eventIds = [...events.values()].flatMap((byType) => [...byType.values()].map((e) => e.id));
  const handled = await handledAt(db, eventIds);

  const durations = new Map<string, { kind: HopFigures['kind']; values: number[] }>();
  for (const order of sample) {
    const byType = events.get(order.orderId!);
    const chain =
      byType && chainOf(order.sentAt, outcomes.get(order.orderId!)!.at, byType, handled);
    if (!chain) continue;
    for (const hop of chain) {
      let entry = durations.get(hop.name);
      if (!entry) durations.set(hop.name, (entry = { kind: hop.kind, values: [] }));
      entry.values.push(hop.to - hop.from);
    }
  }
  return [...durations].map(([name, { kind, values }]) => {
    const sorted = values.sort((a, b) => a - b);
    return {
      name,
      kind,
      count: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    };
  });
}

/** Mean time per kind of hop: which part of the pipeline the time goes to. */
export function byKind(hops: readonly HopFigures[]): Record<HopFigures['kind'], number> {
  const totals = { request: 0, relay: 0, delivery: 0, handler: 0, 'fan-out': 0 };
  for (const hop of hops) totals[hop.kind] += hop.mean;
  return totals;
}
