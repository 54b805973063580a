import type { EntityManager } from '@mikro-orm/postgresql';
import type { BackgroundTask, Runtime } from '../../../platform/subgraph.js';
import { lockDueOrders } from './order-rows.js';
import { applyTransition } from './order-transitions.js';

const BATCH_SIZE = 50;

/**
 * Cancels, as EXPIRED, a batch of orders still waiting for stock or payment
 * past their time-to-live. `SKIP LOCKED` lets several replicas share the work
 * and steps around an order a consumer is changing right now; the transition
 * itself is the usual compare-and-set. Returns how many orders expired.
 */
export async function expireDueOrders(
  em: EntityManager,
  now = new Date(),
  limit = BATCH_SIZE,
): Promise<number> {
  return em.transactional(async (tx) => {
    const due = await lockDueOrders(tx, now, limit);
    let expired = 0;
    for (const order of due) {
      const outcome = await applyTransition(tx, order, 'expired');
      if (outcome.kind === 'applied') expired++;
    }
    return expired;
  });
}

/**
 * The timer behind expiry: sweeps at a fraction of the TTL (at most every 5 s,
 * so an order expires close to its deadline), and drains a backlog batch by
 * batch. A failing sweep is logged and retried on the next tick.
 */
export function createExpiryTask(runtime: Runtime): BackgroundTask {
  const logger = runtime.logger.child({ component: 'order-expiry' });
  const intervalMs = Math.min(5_000, Math.max(200, Math.floor(runtime.config.ORDER_TTL / 5)));
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;
  let stopped = false;

  const sweep = async () => {
    try {
      let expired: number;
      do {
        expired = await expireDueOrders(runtime.orm.em.fork());
        if (expired) logger.info({ expired }, 'expired orders past their time-to-live');
      } while (expired === BATCH_SIZE && !stopped);
    } catch (err) {
      logger.error({ err }, 'order expiry sweep failed');
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweeping = sweep().finally(() => {
        sweeping = null;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };

  return {
    name: 'order-expiry',
    async start() {
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await sweeping;
    },
  };
}
