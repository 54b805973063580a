import pg from 'pg';
import { SERVICE_NAMES, serviceDatabaseUrl, type SubgraphName } from '../../platform/config.js';
import type { EventEnvelope } from '../../platform/events/contracts.js';

/**
 * An order's whole event history across services, for debugging: every event
 * any service published about it, in the order it happened, with trace ids.
 * Read from each service's outbox (every event a service publishes is a row
 * there until pruned, 7 days after publishing): an operator tool reading the
 * databases, not a service reading another's tables. Events concern an
 * order when it is their aggregate (order.*, inventory's order events) or
 * their data names it (payment.*, keyed by the payment).
 */

export interface HistoryEntry {
  occurredAt: string;
  type: string;
  /** The service whose outbox holds it. */
  service: SubgraphName;
  /** The Kafka topic it went to, with the deployment's prefix. */
  topic: string;
  aggregateId: string;
  aggregateVersion: number;
  traceId: string | null;
  /** Null while the relay has not published it yet. */
  publishedAt: string | null;
  data: Record<string, unknown>;
}

interface OutboxRow {
  seq: string;
  topic: string;
  payload: EventEnvelope;
  published_at: Date | null;
}

export interface HistoryOptions {
  /** DATABASE_URL, <SERVICE>_DATABASE_URL and KAFKA_TOPIC_PREFIX are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Services whose database does not exist (not started yet) are listed here. */
  onMissing?: (service: SubgraphName) => void;
}

export async function eventHistory(
  orderId: string,
  options: HistoryOptions = {},
): Promise<HistoryEntry[]> {
  const env = options.env ?? process.env;
  const base = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/ecommerce';
  const prefix = env.KAFKA_TOPIC_PREFIX ?? '';
  const perService = await Promise.all(
    SERVICE_NAMES.map(async (service) => {
      const rows = await outboxRowsAbout(serviceDatabaseUrl(service, env, base), orderId);
      if (rows === null) options.onMissing?.(service);
      return (rows ?? []).map((row) => toEntry(service, prefix, row));
    }),
  );
  return perService.flat().sort(byOccurrence);
}

/** Null when the service's database (or its outbox) does not exist. */
async function outboxRowsAbout(url: string, orderId: string): Promise<OutboxRow[] | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return null; // invalid_catalog_name
    throw err;
  }
  try {
    const { rows } = await client.query<OutboxRow>(
      `SELECT seq, topic, payload, published_at FROM outbox
       WHERE key = $1 OR payload->'data'->>'orderId' = $1
       ORDER BY seq`,
      [orderId],
    );
    return rows;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null; // undefined_table
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function toEntry(service: SubgraphName, prefix: string, row: OutboxRow): HistoryEntry {
  const event = row.payload;
  return {
    occurredAt: event.occurredAt,
    type: event.type,
    service,
    topic: `${prefix}${row.topic}`,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    traceId: event.traceId,
    publishedAt: row.published_at?.toISOString() ?? null,
    data: (event.data ?? {}) as Record<string, unknown>,
  };
}

/** When it happened, then the aggregate's version (for events of one millisecond). */
function byOccurrence(a: HistoryEntry, b: HistoryEntry): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.aggregateVersion - b.aggregateVersion;
}

/** The data fields worth a glance, on one line: status and reason, money, counts, failures. */
export function summarise(entry: HistoryEntry): string {
  const d = entry.data;
  const parts: string[] = [];
  const money = (v: unknown) => {
    const m = v as { amount?: number; currency?: string } | undefined;
    return m && typeof m.amount === 'number' ? `${(m.amount / 100).toFixed(2)} ${m.currency}` : '';
  };
  if (typeof d.status === 'string') parts.push(`status=${d.status}`);
  if (typeof d.statusReason === 'string') parts.push(`reason=${d.statusReason}`);
  if (Array.isArray(d.items)) parts.push(`items=${d.items.length}`);
  if (d.total) parts.push(`total=${money(d.total)}`);
  if (d.amount) parts.push(`amount=${money(d.amount)}`);
  if (typeof d.paymentId === 'string') parts.push(`payment=${d.paymentId}`);
  if (typeof d.failureReason === 'string') parts.push(`failure=${d.failureReason}`);
  if (Array.isArray(d.shortages)) parts.push(`shortages=${d.shortages.length}`);
  return parts.join(' ');
}

export function formatHistory(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'no events found';
  const width = Math.max(...entries.map((e) => e.type.length));
  return entries
    .map((e) =>
      [
        e.occurredAt,
        e.type.padEnd(width),
        `${e.topic} (${e.service})`,
        `aggregate=${e.aggregateId} v${e.aggregateVersion}`,
        `trace=${e.traceId ?? '-'}`,
        e.publishedAt ? '' : 'UNPUBLISHED',
        summarise(e),
      ]
        .filter(Boolean)
        .join('  '),
    )
    .join('\n');
}
