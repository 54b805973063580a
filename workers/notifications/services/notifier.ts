import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, EventHandlers, EventType } from '../../../platform/events/index.js';
import { executeSql, queryRows } from '../../../platform/events/sql.js';
import { uuidv7 } from '../../../platform/ids.js';
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

type OrderEventType =
  | 'order.placed'
  | 'order.awaiting_payment'
  | 'order.confirmed'
  | 'order.cancelled'
  | 'order.shipped'
  | 'order.delivered';

const ORDER_EVENTS: OrderEventType[] = [
  'order.placed',
  'order.awaiting_payment',
  'order.confirmed',
  'order.cancelled',
  'order.shipped',
  'order.delivered',
];

export class Notifier {
  constructor(private readonly sender: NotificationSender) {}

  handlers(): EventHandlers {
    const onOrderEvent = async (event: EventEnvelope<OrderEventType>, em: EntityManager) => {
      await rememberOrder(em, event.data.orderId, event.data.customerId);
      await this.notify(em, event);
    };
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
      'payment.refunded': (event, em) => this.notify(em, event),
    };
    for (const type of ORDER_EVENTS) handlers[type] = onOrderEvent;
    return handlers;
  }

  /** Stores and sends the event's notification, if it is one a customer cares about. */
  async notify(em: EntityManager, event: EventEnvelope<EventType>): Promise<void> {
    const draft = draftFor(event);
    if (!draft) return;
    const customerId = draft.customerId ?? (await customerOf(em, draft.orderId));
    if (!customerId) {
      throw new OrderNotKnownYet(`order ${draft.orderId} has not been seen on order.events yet`);
    }
    const stored = await this.store(em, event.id, { ...draft, customerId });
    // Null: this event already has its notification (the inbox should have caught it).
    if (stored) await this.sender.send(stored);
  }

  private async store(
    em: EntityManager,
    eventId: string,
    draft: NotificationDraft & { customerId: string },
  ): Promise<OutgoingNotification | null> {
    const [recipient] = await queryRows<{ email: string }>(
      em,
      'SELECT email FROM recipients WHERE user_id = ?',
      [draft.customerId],
    );
    const notification: OutgoingNotification = {
      id: uuidv7(),
      eventId,
      kind: draft.kind,
      orderId: draft.orderId,
      customerId: draft.customerId,
      recipient: recipient?.email ?? null,
      subject: draft.subject,
      body: draft.body,
    };
    const inserted = await executeSql(
      em,
      `INSERT INTO notifications
         (id, event_id, order_id, customer_id, kind, reason, channel, recipient, subject, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        notification.id,
        eventId,
        notification.orderId,
        notification.customerId,
        notification.kind,
        draft.reason,
        this.sender.channel,
        notification.recipient,
        notification.subject,
        notification.body,
      ],
    );
    return inserted === 1 ? notification : null;
  }
}

async function rememberOrder(em: EntityManager, orderId: string, customerId: string) {
  await executeSql(
    em,
    'INSERT INTO order_customers (order_id, customer_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
    [orderId, customerId],
  );
}

async function customerOf(em: EntityManager, orderId: string): Promise<string | null> {
  const [row] = await queryRows<{ customer_id: string }>(
    em,
    'SELECT customer_id FROM order_customers WHERE order_id = ?',
    [orderId],
  );
  return row?.customer_id ?? null;
}
