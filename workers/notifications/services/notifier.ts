import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, EventHandlers, EventType } from '../../../platform/events/index.js';
import { executeSql, queryRows } from '../../../platform/events/sql.js';
import { uuidv5 } from '../../../platform/ids.js';
import { draftFor, type NotificationDraft } from './messages.js';
import type { NotificationSender, OutgoingNotification } from './sender.js';

/**
 * Turns order and payment events into notifications, exactly once each: the
 * consumer runs every handler in the transaction that claims the event in the
 * inbox, and the row's unique event id backs that up. Two small projections
 * feed it: who an order belongs to (payment events name only the order) and
 * the customer's e-mail (from user.registered), so the worker never reads
 * another service's tables.
 */

/** Thrown when a payment event arrives before its order's first event: retried, then dead-lettered. */
export class OrderNotKnownYet extends Error {
  override name = 'OrderNotKnownYet';
}

/** Names notification ids: a notification's id is derived from its event's (uuidv5). */
const NOTIFICATION_NAMESPACE = '5d0e8f43-6c2a-4f7e-9a51-0b3c9d2e7a14';

/** Order events with a message (messages.ts); each also carries the customer. */
const NOTIFYING_ORDER_EVENTS = ['order.confirmed', 'order.cancelled', 'order.shipped'] as const;

export class Notifier {
  constructor(private readonly sender: NotificationSender) {}

  handlers(): EventHandlers {
    const notify = (event: EventEnvelope<EventType>, em: EntityManager) => this.notify(em, event);
    // Only the events that change something here get a handler: the others
    // (order.awaiting_payment, order.delivered, payment.succeeded…) are
    // skipped without a transaction. order.placed is every order's first
    // event, so the order→customer map that refunds need is complete from it.
    const handlers: EventHandlers = {
      'user.registered': async (event, em) => {
        const { userId, email, name } = event.data;
        await executeSql(
          em,
          `INSERT INTO recipients (user_id, email, name) VALUES (?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name`,
          [userId, email, name],
        );
      },
      'order.placed': (event, em) => rememberOrder(em, event.data.orderId, event.data.customerId),
      'payment.refunded': notify,
    };
    for (const type of NOTIFYING_ORDER_EVENTS) handlers[type] = notify;
    return handlers;
  }

  /** Stores and sends the event's notification, if it is one a customer cares about. */
  async notify(em: EntityManager, event: EventEnvelope<EventType>): Promise<void> {
    const draft = draftFor(event);
    if (!draft) return;
    const stored = await this.store(em, event.id, draft);
    // Null: this event already has its notification (the inbox should have caught it).
    if (stored) await this.sender.send(stored);
  }

  /**
   * One statement: the notification row (sent_at: the moment of this
   * statement, not the transaction's start, which several share), addressed
   * from the recipients projection, and (for an event that names the
   * customer) the order's entry in the order→customer map. A refund names only the order: its customer
   * comes from that map, and a refund read before its order is retried.
   */
  private async store(
    em: EntityManager,
    eventId: string,
    draft: NotificationDraft,
  ): Promise<OutgoingNotification | null> {
    // The same event always gives the same id: a send repeated because its
    // transaction rolled back carries the id of the first, for the sender to
    // recognise.
    const id = uuidv5(eventId, NOTIFICATION_NAMESPACE);
    const values = [
      id,
      eventId,
      draft.orderId,
      draft.kind,
      draft.reason,
      this.sender.channel,
      draft.subject,
      draft.body,
    ];
    const rows =
      draft.customerId === null
        ? await queryRows<StoredRow>(
            em,
            `INSERT INTO notifications
               (id, event_id, order_id, kind, reason, channel, subject, body, customer_id, recipient, sent_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, oc.customer_id,
                    (SELECT email FROM recipients WHERE user_id = oc.customer_id), clock_timestamp()
             FROM order_customers oc WHERE oc.order_id = ?
             ON CONFLICT (event_id) DO NOTHING
             RETURNING customer_id, recipient`,
            [...values, draft.orderId],
          )
        : await queryRows<StoredRow>(
            em,
            `WITH remembered AS (
               INSERT INTO order_customers (order_id, customer_id) VALUES (?, ?)
               ON CONFLICT DO NOTHING
             )
             INSERT INTO notifications
               (id, event_id, order_id, kind, reason, channel, subject, body, customer_id, recipient, sent_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT email FROM recipients WHERE user_id = ?),
                     clock_timestamp())
             ON CONFLICT (event_id) DO NOTHING
             RETURNING customer_id, recipient`,
            [draft.orderId, draft.customerId, ...values, draft.customerId, draft.customerId],
          );
    const [row] = rows;
    if (!row) {
      if (draft.customerId === null && !(await orderKnown(em, draft.orderId))) {
        throw new OrderNotKnownYet(`order ${draft.orderId} has not been seen on order.events yet`);
      }
      return null;
    }
    return {
      id,
      eventId,
      kind: draft.kind,
      orderId: draft.orderId,
      customerId: row.customer_id,
      recipient: row.recipient,
      subject: draft.subject,
      body: draft.body,
    };
  }
}

interface StoredRow {
  customer_id: string;
  recipient: string | null;
}

async function rememberOrder(em: EntityManager, orderId: string, customerId: string) {
  await executeSql(
    em,
    'INSERT INTO order_customers (order_id, customer_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
    [orderId, customerId],
  );
}

async function orderKnown(em: EntityManager, orderId: string): Promise<boolean> {
  const rows = await queryRows(em, 'SELECT 1 FROM order_customers WHERE order_id = ?', [orderId]);
  return rows.length > 0;
}
