import { Counter, Gauge } from 'prom-client';
import { graphqlError } from '../../../../platform/errors.js';
import { createLimiter, type Limiter } from '../../../../platform/events/keyed-batch.js';
import type { Logger } from '../../../../platform/logger.js';
import { metricsRegistry } from '../../../../platform/metrics.js';
import { AdmissionPolicy, type AdmissionSettings } from './admission-policy.js';
import type { SagaDelay } from './saga-delay.js';

/**
 * placeOrder's admission control (docs/decisions/0014): a new order is
 * refused with RATE_LIMITED, before anything is read or written, while the
 * saga is behind or too many placements are in progress; admitted ones take
 * one of a few database slots, so the pool always has connections left for
 * the consumer that finishes the orders already accepted.
 */
export interface OrderAdmissionSettings extends AdmissionSettings {
  /** Placements holding database connections at once; the rest wait their turn. */
  concurrency: number;
}

const refused = new Counter({
  name: 'order_admission_refused_total',
  help: 'placeOrder calls refused with RATE_LIMITED by admission control, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});
const sagaDelay = new Gauge({
  name: 'order_saga_delay_seconds',
  help: 'Smoothed age of the stock and payment events the order consumer is handling (as of the last placeOrder)',
  registers: [metricsRegistry],
});
const shedding = new Gauge({
  name: 'order_admission_shedding',
  help: '1 while placeOrder is refused because the saga is behind',
  registers: [metricsRegistry],
});

export class OrderAdmission {
  private readonly policy: AdmissionPolicy;
  private readonly slots: Limiter;
  private inFlight = 0;
  /** When each placement waiting for a slot started waiting, oldest first. */
  private readonly queuedSince: number[] = [];
  private refusedWhileShedding = 0;

  constructor(
    settings: OrderAdmissionSettings,
    private readonly delay: SagaDelay,
    private readonly logger: Logger,
  ) {
    this.policy = new AdmissionPolicy(settings);
    this.slots = createLimiter(settings.concurrency);
  }

  /** Runs `place` if admitted; otherwise throws RATE_LIMITED and `place` never starts. */
  async run<T>(place: () => Promise<T>): Promise<T> {
    const delayMs = this.delay.current();
    const wasShedding = this.policy.shedding;
    const oldest = this.queuedSince[0];
    const decision = this.policy.decide(delayMs, {
      inFlight: this.inFlight,
      oldestWaitMs: oldest === undefined ? 0 : Date.now() - oldest,
    });
    if (wasShedding !== this.policy.shedding) this.logChange(delayMs);
    sagaDelay.set(delayMs / 1000);

    if (!decision.admitted) {
      refused.inc({ reason: decision.reason });
      if (decision.reason === 'saga_behind') this.refusedWhileShedding += 1;
      const retryAfter = decision.retryAfterSeconds;
      throw graphqlError(
        'RATE_LIMITED',
        `Too many orders are being processed; retry in ${retryAfter} s with the same idempotencyKey`,
        { retryAfter },
      );
    }
    this.inFlight += 1;
    // The limiter hands out slots first come first served: the head of this list is the oldest waiting.
    this.queuedSince.push(Date.now());
    try {
      return await this.slots.run(() => {
        this.queuedSince.shift();
        return place();
      });
    } finally {
      this.inFlight -= 1;
    }
  }

  private logChange(delayMs: number): void {
    shedding.set(this.policy.shedding ? 1 : 0);
    const sagaDelayMs = Math.round(delayMs);
    if (this.policy.shedding) {
      this.logger.warn({ sagaDelayMs }, 'saga behind: refusing new orders');
    } else {
      this.logger.info(
        { sagaDelayMs, refused: this.refusedWhileShedding },
        'saga caught up: admitting new orders again',
      );
      this.refusedWhileShedding = 0;
    }
  }
}
