/**
 * What this subgraph needs from a card processor. One implementation ships
 * (the simulator, for development and tests); a real provider plugs in
 * behind the same interface. Amounts are integer minor units.
 *
 * Both calls are idempotent by `idempotencyKey`, as real processors' APIs
 * are: a retry after a crash or a timeout gets the first call's result and
 * never moves money twice. Callers derive the key from the payment id.
 *
 * A decline is an outcome, not an error. A thrown error means the processor
 * could not be reached or refused the request; the caller retries later with
 * the same key.
 */

export interface Amount {
  /** Minor units, e.g. 1999 for 19.99. */
  amount: number;
  /** ISO 4217, e.g. EUR. */
  currency: string;
}

export interface ChargeRequest {
  paymentId: string;
  amount: Amount;
  /** A payment-method token (`pm_…`), never card data. */
  paymentMethod: string;
  idempotencyKey: string;
}

export type ChargeResult =
  { outcome: 'succeeded'; processorRef: string } | { outcome: 'declined'; failureReason: string };

export interface RefundRequest {
  /** The charge to refund, as `charge` named it. */
  processorRef: string;
  amount: Amount;
  idempotencyKey: string;
}

export interface RefundResult {
  refundRef: string;
}

export interface PaymentProcessor {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** The request itself is wrong (a caller bug); retrying it cannot help. */
export class ProcessorRequestError extends Error {
  override name = 'ProcessorRequestError';
}
