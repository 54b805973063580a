import type { Logger } from '../../../platform/logger.js';
import type { NotificationKind } from '../entities.js';

/** What a sender delivers: the stored notification. */
export interface OutgoingNotification {
  id: string;
  eventId: string;
  kind: NotificationKind;
  orderId: string;
  customerId: string;
  recipient: string | null;
  subject: string;
  body: string;
}

/**
 * How notifications leave the system: one small policy interface with one
 * default. `send` runs inside the transaction that stores the notification
 * and marks its event handled; if it throws, neither commits and the event
 * is retried. Sending is therefore at least once: a transaction that rolls
 * back after its send (its commit failed, or another event handled in the
 * same transaction failed) sends again when the event is handled again. The
 * notification's `id` is derived from its event, so the repeat carries the
 * same id: a sender talking to the outside world (SMTP) should pass it on as
 * an idempotency key or message id where it can.
 */
export interface NotificationSender {
  /** Stored with each notification, e.g. `log` or `smtp`. */
  readonly channel: string;
  send(notification: OutgoingNotification): Promise<void>;
}

/**
 * The default: the notification is the stored row plus one structured log
 * line (what a development stack or a log pipeline wants). The body stays out
 * of the log; the row has it.
 */
export class LogSender implements NotificationSender {
  readonly channel = 'log';

  constructor(private readonly logger: Logger) {}

  async send(notification: OutgoingNotification): Promise<void> {
    this.logger.info(
      {
        notificationId: notification.id,
        eventId: notification.eventId,
        kind: notification.kind,
        orderId: notification.orderId,
        customerId: notification.customerId,
        // An address is personal data: say whether there is one, not what it is.
        hasRecipient: notification.recipient !== null,
        subject: notification.subject,
      },
      'notification sent',
    );
  }
}
