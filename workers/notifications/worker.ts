import { createConsumer } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { WorkerModule } from '../../platform/worker.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { Notifier } from './services/notifier.js';
import { LogSender, type NotificationSender } from './services/sender.js';

/**
 * Customer notifications: consumes order.*, payment.* (and user.registered
 * for addresses) and sends one notification per event a customer cares
 * about. The sender is pluggable; the default logs and stores.
 */
export function notificationsWorker(
  options: { sender?: (logger: Logger) => NotificationSender } = {},
): WorkerModule {
  return {
    name: 'notifications',
    entities,
    migrations,
    async setup(runtime) {
      const logger = runtime.logger.child({ component: 'notifications' });
      const sender = options.sender?.(logger) ?? new LogSender(logger);
      const notifier = new Notifier(sender);
      return {
        background: [
          createConsumer(runtime, {
            handlers: notifier.handlers(),
            // A refund can be read before its order's first event when the
            // worker catches up on history (topics are read in parallel):
            // retry long enough for order.events to catch up.
            maxAttempts: 8,
            firstRetryDelayMs: 250,
            // Each handler writes one or two rows of its own order's; a chunk
            // that rolls back is handled again event by event, and senders see
            // a repeated send under the same notification id (sender.ts).
            eventsPerTransaction: 16,
            // Nothing waits for a notification: gathering events for half a
            // second per fetch fills those transactions under load.
            gatherMs: 500,
          }),
        ],
      };
    },
  };
}
