import { runMain } from '../platform/lifecycle.js';
import { isUuid } from '../platform/ids.js';
import { StartupError } from '../platform/startup-error.js';
import { eventHistory, formatHistory } from './lib/event-history.js';

/**
 * `npm run events:history -- <orderId> [--json]`: every event about an order,
 * across services, in order, with trace ids. Uses DATABASE_URL (and any
 * <SERVICE>_DATABASE_URL) and KAFKA_TOPIC_PREFIX as the stack does, so it
 * points at a development or a test stack alike.
 */
runMain(async () => {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const orderId = args.find((a) => !a.startsWith('--'));
  if (!orderId || !isUuid(orderId)) {
    throw new StartupError('usage: npm run events:history -- <orderId (a UUID)> [--json]');
  }
  const entries = await eventHistory(orderId.toLowerCase(), {
    onMissing: (service) => console.warn(`(no ${service} database or outbox; skipped)`),
  });
  console.log(json ? JSON.stringify(entries, null, 2) : formatHistory(entries));
});
