import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../../../platform/events/contracts.js';

/**
 * How far behind the order saga is: the age of the stock and payment events
 * (time since the other service wrote them) when the order consumer starts
 * handling them, smoothed over about `smoothingMs` so that one slow event
 * does not count as a backlog. Kafka's lag in messages was the other
 * candidate; it is only refreshed when a fetched batch ends (a batch of a
 * thousand stale events reads as "no lag" until it is done) and its meaning
 * depends on the rate, whereas an age is the delay customers feel.
 *
 * Ages are only measured when events are handled; once none has been for
 * `idleAfterMs` the consumer has nothing left to do, so the delay is 0
 * (otherwise a gate closed on a high reading would never see the lower one
 * it waits for: refusing orders stops their events) — unless Kafka still
 * shows messages waiting for it (`pending`): then it is starved, not idle
 * (an overloaded process handling nothing for seconds), and the delay is at
 * least the time since it last handled one. Reading 0 there reopened the
 * gate in the middle of the overload it was closed against.
 */
export interface SagaDelaySettings {
  smoothingMs: number;
  idleAfterMs: number;
}

export const DEFAULT_SAGA_DELAY: SagaDelaySettings = { smoothingMs: 1_000, idleAfterMs: 2_000 };

export class SagaDelay {
  private smoothedMs = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** Whether the consumer has messages waiting (its Kafka lag); set once it exists. */
  private pending: () => boolean = () => false;

  constructor(
    private readonly settings: SagaDelaySettings = DEFAULT_SAGA_DELAY,
    private readonly now: () => number = Date.now,
  ) {}

  /** One event about to be handled, written at `occurredAtMs`. */
  observe(occurredAtMs: number): void {
    const at = this.now();
    const age = Math.max(0, at - occurredAtMs);
    const since = at - this.lastAt;
    // An exponential average over time, not over events: its meaning does not change with the rate.
    const weight =
      since > this.settings.idleAfterMs ? 1 : 1 - Math.exp(-since / this.settings.smoothingMs);
    this.smoothedMs += (age - this.smoothedMs) * weight;
    this.lastAt = at;
  }

  /** Tells idle from starved: true while the consumer's Kafka lag is not 0. */
  watchBacklog(pending: () => boolean): void {
    this.pending = pending;
  }

  /** The smoothed delay in ms; 0 once the consumer has been idle with nothing waiting. */
  current(): number {
    const quietMs = this.now() - this.lastAt;
    if (quietMs <= this.settings.idleAfterMs) return this.smoothedMs;
    if (!Number.isFinite(quietMs) || !this.pending()) return 0;
    return Math.max(this.smoothedMs, quietMs);
  }
}

type Handler = (event: EventEnvelope, em: EntityManager) => Promise<void>;
type ChunkHandler = (events: EventEnvelope[], em: EntityManager) => Promise<void>;

interface SagaHandlers<H, C> {
  handlers: H;
  chunkHandlers: C;
}

function observe(delay: SagaDelay, event: EventEnvelope): void {
  const occurredAt = Date.parse(event.occurredAt);
  if (Number.isFinite(occurredAt)) delay.observe(occurredAt);
}

/** The same handlers, each reporting its events' ages to `delay` before it runs. */
export function observingDelay<H extends object, C extends object>(
  saga: SagaHandlers<H, C>,
  delay: SagaDelay,
): SagaHandlers<H, C> {
  const handlers = Object.entries(saga.handlers as Record<string, Handler>).map(
    ([type, handler]) => [
      type,
      (event: EventEnvelope, em: EntityManager) => {
        observe(delay, event);
        return handler(event, em);
      },
    ],
  );
  const chunkHandlers = Object.entries(saga.chunkHandlers as Record<string, ChunkHandler>).map(
    ([type, handler]) => [
      type,
      (events: EventEnvelope[], em: EntityManager) => {
        for (const event of events) observe(delay, event);
        return handler(events, em);
      },
    ],
  );
  return {
    handlers: Object.fromEntries(handlers) as H,
    chunkHandlers: Object.fromEntries(chunkHandlers) as C,
  };
}
