/**
 * When placeOrder is refused (pure: no clock, no I/O; order-admission.ts feeds it).
 *
 * Two kinds of signal. The saga delay (how old the stock and payment events
 * are when the order consumer gets to them) says whether orders already
 * accepted are being finished; it moves slowly, so it drives a gate with
 * hysteresis: the gate closes when the delay reaches `shedAboveMs` and opens
 * again only once it is back to `resumeBelowMs`, so a delay hovering around
 * one threshold does not flip the gate on every request.
 *
 * The placements queued in this process react within milliseconds (a
 * database or a CPU that slows down fills the queue before any event is
 * late): once the oldest one has waited `maxQueueWaitMs` for a database slot,
 * or `maxInFlight` are in progress, a new one is refused at once. The ones
 * already queued go ahead: a burst is absorbed, a steady excess is not, and
 * no admitted placement waits towards the gateway's timeout.
 */

export interface AdmissionSettings {
  /** Saga delay at which new orders start being refused. */
  shedAboveMs: number;
  /** Saga delay at or below which they are admitted again; below `shedAboveMs`. */
  resumeBelowMs: number;
  /** Placements in progress beyond which a new one is refused. */
  maxInFlight: number;
  /** How long the oldest queued placement may have waited before new ones are refused. */
  maxQueueWaitMs: number;
}

/** This process's placements: in progress (queued or running), and the oldest one's wait. */
export interface PlacementLoad {
  inFlight: number;
  oldestWaitMs: number;
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
    if (!(settings.maxQueueWaitMs > 0)) throw new Error('maxQueueWaitMs must be positive');
  }

  /** True while the saga-delay gate refuses new orders. */
  get shedding(): boolean {
    return this.closed;
  }

  /**
   * Updates the gate with the current saga delay and decides about one new
   * placement, given the placements in progress (not counting this one).
   */
  decide(sagaDelayMs: number, load: PlacementLoad): AdmissionDecision {
    if (this.closed && sagaDelayMs <= this.settings.resumeBelowMs) this.closed = false;
    else if (!this.closed && sagaDelayMs >= this.settings.shedAboveMs) this.closed = true;

    if (this.closed) {
      // The backlog takes about as long as its age to work off.
      return { admitted: false, reason: 'saga_behind', retryAfterSeconds: retryAfter(sagaDelayMs) };
    }
    if (
      load.inFlight >= this.settings.maxInFlight ||
      load.oldestWaitMs >= this.settings.maxQueueWaitMs
    ) {
      return { admitted: false, reason: 'busy', retryAfterSeconds: MIN_RETRY_AFTER_S };
    }
    return { admitted: true };
  }
}

function retryAfter(delayMs: number): number {
  const seconds = Math.ceil(delayMs / 1000);
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, seconds));
}
