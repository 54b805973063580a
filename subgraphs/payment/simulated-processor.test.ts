import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../platform/ids.js';
import { ProcessorRequestError } from './services/processor.js';
import { SimulatedProcessor } from './services/simulated-processor.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

function chargeWith(processor: SimulatedProcessor, paymentMethod: string, key = uuidv7()) {
  return processor.charge({
    paymentId: uuidv7(),
    amount: eur(1999),
    paymentMethod,
    idempotencyKey: key,
  });
}

describe('SimulatedProcessor', () => {
  it.each([
    ['pm_card_visa', { outcome: 'succeeded' }],
    ['pm_card_mastercard', { outcome: 'succeeded' }],
    ['pm_card_chargeDeclined', { outcome: 'declined', failureReason: 'card_declined' }],
    ['pm_card_insufficientFunds', { outcome: 'declined', failureReason: 'insufficient_funds' }],
    ['pm_card_amex', { outcome: 'declined', failureReason: 'invalid_payment_method' }],
    ['pm_', { outcome: 'declined', failureReason: 'invalid_payment_method' }],
    ['PM_CARD_VISA', { outcome: 'declined', failureReason: 'invalid_payment_method' }],
  ])('answers %s as the contract says', async (token, expected) => {
    expect(await chargeWith(new SimulatedProcessor(), token)).toMatchObject(expected);
  });

  it('names every successful charge with a reference a refund can use', async () => {
    const result = await chargeWith(new SimulatedProcessor(), 'pm_card_visa');
    expect(result).toEqual({
      outcome: 'succeeded',
      processorRef: expect.stringMatching(/^ch_sim_/),
    });
  });

  it('answers a retried charge with the first answer and charges once', async () => {
    const processor = new SimulatedProcessor();
    const request = {
      paymentId: uuidv7(),
      amount: eur(500),
      paymentMethod: 'pm_card_visa',
      idempotencyKey: 'charge:1',
    };
    const first = await processor.charge(request);
    const second = await processor.charge(request);
    expect(second).toEqual(first);
    expect(processor.chargeCount).toBe(1);
  });

  it('gives the same charge reference for a key after a restart (a new instance)', async () => {
    const request = {
      paymentId: uuidv7(),
      amount: eur(500),
      paymentMethod: 'pm_card_visa',
      idempotencyKey: 'charge:restart',
    };
    expect(await new SimulatedProcessor().charge(request)).toEqual(
      await new SimulatedProcessor().charge(request),
    );
  });

  it('refuses a key reused with different parameters', async () => {
    const processor = new SimulatedProcessor();
    const request = {
      paymentId: uuidv7(),
      amount: eur(500),
      paymentMethod: 'pm_card_visa',
      idempotencyKey: 'charge:2',
    };
    await processor.charge(request);
    await expect(processor.charge({ ...request, amount: eur(600) })).rejects.toThrow(
      ProcessorRequestError,
    );
  });

  it.each([
    ['a fractional amount', eur(10.5)],
    ['a negative amount', eur(-1)],
    ['a lower-case currency', { amount: 100, currency: 'eur' }],
  ])('refuses %s', async (_name, amount) => {
    await expect(
      new SimulatedProcessor().charge({
        paymentId: uuidv7(),
        amount,
        paymentMethod: 'pm_card_visa',
        idempotencyKey: uuidv7(),
      }),
    ).rejects.toThrow(ProcessorRequestError);
  });

  it('refunds a charge once per key and never more than was charged', async () => {
    const processor = new SimulatedProcessor();
    const charge = await chargeWith(processor, 'pm_card_visa');
    if (charge.outcome !== 'succeeded') throw new Error('expected a successful charge');
    const refund = { processorRef: charge.processorRef, amount: eur(1999), idempotencyKey: 'r1' };
    const first = await processor.refund(refund);
    expect(first.refundRef).toMatch(/^re_sim_/);
    expect(await processor.refund(refund)).toEqual(first);
    await expect(
      processor.refund({ ...refund, amount: eur(1), idempotencyKey: 'r2' }),
    ).rejects.toThrow(ProcessorRequestError);
  });

  it('refuses to refund something that is not a charge reference', async () => {
    await expect(
      new SimulatedProcessor().refund({
        processorRef: 'nope',
        amount: eur(1),
        idempotencyKey: uuidv7(),
      }),
    ).rejects.toThrow(ProcessorRequestError);
  });
});
