/**
 * When placeOrder is refused (pure: no clock, no I/O; order-admission.ts feeds it).
 *
 * Two signals. The saga delay (how old the stock and payment events are when
 * the order consumer gets to them) says whether orders already accepted are
 * being finished; it moves slowly, so it drives a gate with hysteresis: the
 * gate closes when the delay reaches `shedAboveMs` and opens again only once
 * it is back to `resumeBelowMs`, so a delay hovering around one threshold
 * does not flip the gate on every request. The number of placements in
 * progress in this process reacts within milliseconds (a database that slows
 * down fills it before any event is late); past `maxInFlight` a new one is
 * refused at once instead of queueing behind the others.
 */

export interface AdmissionSettings {
  /** Saga delay at which new orders start being refused. */
  shedAboveMs: number;
  /** Saga delay at or below which they are admitted again; below `shedAboveMs`. */
  resumeBelowMs: number;
  /** Placements in progress beyond which a new one is refused. */
  maxInFlight: number;
}

export type RefusalReason = 'saga_behind' | 'busy';

export type AdmissionDecision =
  { admitted: true } | { admitted: false; reason: RefusalReason; retryAfterSeconds: number };

/** A refused client should not come back sooner than this, nor be told to wait longer. */
const MIN_RETRY_AFTER_S = 1;
const MAX_RETRY_AFTER_S = 30;

export class AdmissionPolicy {
  private closed = false;

  constructor(private readonly settings: AdmissionSettings) {
    if (!(settings.resumeBelowMs < settings.shedAboveMs)) {
      throw new Error('resumeBelowMs must be below shedAboveMs');
    }
    if (!Number.isInteger(settings.maxInFlight) || settings.maxInFlight < 1) {
      throw new Error('maxInFlight must be a positive integer');
    }
  }

  /** True while the saga-delay gate refuses new orders. */
  get shedding(): boolean {
    return this.closed;
  }

  /**
   * Updates the gate with the current saga delay and decides about one new
   * placement, given how many are in progress (not counting this one).
   */
  decide(sagaDelayMs: number, inFlight: number): AdmissionDecision {
    if (this.closed && sagaDelayMs <= this.settings.resumeBelowMs) this.closed = false;
    else if (!this.closed && sagaDelayMs >= this.settings.shedAboveMs) this.closed = true;

    if (this.closed) {
      // The backlog takes about as long as its age to work off.
      return { admitted: false, reason: 'saga_behind', retryAfterSeconds: retryAfter(sagaDelayMs) };
    }
    if (inFlight >= this.settings.maxInFlight) {
      return { admitted: false, reason: 'busy', retryAfterSeconds: MIN_RETRY_AFTER_S };
    }
    return { admitted: true };
  }
}

function retryAfter(delayMs: number): number {
  const seconds = Math.ceil(delayMs / 1000);
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, seconds));
}
