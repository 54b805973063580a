import { createHash } from 'node:crypto';
import {
  ProcessorRequestError,
  type Amount,
  type ChargeRequest,
  type ChargeResult,
  type PaymentProcessor,
  type RefundRequest,
  type RefundResult,
} from './processor.js';

/**
 * The contract's test tokens, as common processors' test modes define them.
 * Any other token (`pm_…` or not) is declined as invalid_payment_method; the
 * order service already refuses tokens without the `pm_` prefix.
 */
export const TEST_TOKENS: Readonly<Record<string, ChargeOutcome>> = {
  pm_card_visa: { outcome: 'succeeded' },
  pm_card_mastercard: { outcome: 'succeeded' },
  pm_card_chargeDeclined: { outcome: 'declined', failureReason: 'card_declined' },
  pm_card_insufficientFunds: { outcome: 'declined', failureReason: 'insufficient_funds' },
};
const UNKNOWN_TOKEN: ChargeOutcome = {
  outcome: 'declined',
  failureReason: 'invalid_payment_method',
};

type ChargeOutcome = { outcome: 'succeeded' } | { outcome: 'declined'; failureReason: string };

const CHARGE_REF = /^ch_sim_[0-9a-f]{24}$/;

/** A reference derived from the idempotency key: a retry names the same charge even after a restart. */
const refFor = (prefix: string, key: string) =>
  `${prefix}${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

function checkAmount(amount: Amount): void {
  if (!Number.isSafeInteger(amount.amount) || amount.amount < 0) {
    throw new ProcessorRequestError('amount must be a non-negative integer of minor units');
  }
  if (!/^[A-Z]{3}$/.test(amount.currency)) {
    throw new ProcessorRequestError('currency must be an ISO 4217 code');
  }
}

function checkKey(key: string): void {
  if (key.length < 1 || key.length > 255) {
    throw new ProcessorRequestError('idempotencyKey must be 1 to 255 characters');
  }
}

interface Charged {
  fingerprint: string;
  result: ChargeResult;
  amount: Amount;
}

/**
 * A card processor in memory. It remembers requests by idempotency key (a
 * retried request gets the first answer; the same key with different
 * parameters is refused, as real processors do), and its charges, so a
 * refund can never give back more than was taken.
 */
export class SimulatedProcessor implements PaymentProcessor {
  readonly name = 'simulated';
  private readonly charges = new Map<string, Charged>();
  private readonly chargesByRef = new Map<string, Charged & { refunded: number }>();
  private readonly refunds = new Map<string, { fingerprint: string; result: RefundResult }>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    checkAmount(request.amount);
    checkKey(request.idempotencyKey);
    const fingerprint = JSON.stringify([request.paymentId, request.amount, request.paymentMethod]);
    const earlier = this.charges.get(request.idempotencyKey);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new ProcessorRequestError('idempotencyKey was used with different parameters');
      }
      return earlier.result;
    }
    const outcome = TEST_TOKENS[request.paymentMethod] ?? UNKNOWN_TOKEN;
    const result: ChargeResult =
      outcome.outcome === 'succeeded'
        ? { outcome: 'succeeded', processorRef: refFor('ch_sim_', request.idempotencyKey) }
        : outcome;
    const charged = { fingerprint, result, amount: request.amount };
    this.charges.set(request.idempotencyKey, charged);
    if (result.outcome === 'succeeded') {
      this.chargesByRef.set(result.processorRef, { ...charged, refunded: 0 });
    }
    return result;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    checkAmount(request.amount);
    checkKey(request.idempotencyKey);
    if (!CHARGE_REF.test(request.processorRef)) {
      throw new ProcessorRequestError('processorRef does not name a simulated charge');
    }
    const fingerprint = JSON.stringify([request.processorRef, request.amount]);
    const earlier = this.refunds.get(request.idempotencyKey);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new ProcessorRequestError('idempotencyKey was used with different parameters');
      }
      return earlier.result;
    }
    // A charge from before a restart is unknown here; the simulator then trusts the reference.
    const charge = this.chargesByRef.get(request.processorRef);
    if (charge) {
      if (charge.amount.currency !== request.amount.currency) {
        throw new ProcessorRequestError('refund currency differs from the charge');
      }
      if (charge.refunded + request.amount.amount > charge.amount.amount) {
        throw new ProcessorRequestError('refund exceeds what is left of the charge');
      }
      charge.refunded += request.amount.amount;
    }
    const result = { refundRef: refFor('re_sim_', request.idempotencyKey) };
    this.refunds.set(request.idempotencyKey, { fingerprint, result });
    return result;
  }

  /** How many distinct charges were made: retries with a known key do not count. */
  get chargeCount(): number {
    return this.charges.size;
  }
}
