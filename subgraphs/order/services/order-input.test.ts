import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../platform/errors.js';
import { parsePlaceOrderInput, requestFingerprint } from './order-input.js';

const P1 = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const P2 = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

const valid = () => ({
  idempotencyKey: 'key-1',
  items: [{ productId: P1, quantity: 2 }],
  shippingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  paymentMethod: 'pm_card_visa',
});

function errorsOf(input: unknown) {
  try {
    parsePlaceOrderInput(input);
  } catch (err) {
    if (err instanceof DomainError) return err.errors.map((e) => [e.code, e.field?.join('.')]);
    throw err;
  }
  return [];
}

describe('placeOrder input rules', () => {
  it('accepts a valid order and trims the address', () => {
    const input = valid();
    input.shippingAddress.city = '  Berlin ';
    expect(parsePlaceOrderInput(input).shippingAddress.city).toBe('Berlin');
  });

  it.each([
    ['no items', { items: [] }, [['VALIDATION', 'items']]],
    [
      'zero quantity',
      { items: [{ productId: P1, quantity: 0 }] },
      [['VALIDATION', 'items.0.quantity']],
    ],
    [
      'negative quantity',
      { items: [{ productId: P1, quantity: -3 }] },
      [['VALIDATION', 'items.0.quantity']],
    ],
    [
      'quantity over 1000',
      { items: [{ productId: P1, quantity: 1001 }] },
      [['VALIDATION', 'items.0.quantity']],
    ],
    [
      'fractional quantity',
      { items: [{ productId: P1, quantity: 1.5 }] },
      [['VALIDATION', 'items.0.quantity']],
    ],
    [
      'malformed product id',
      { items: [{ productId: 'nope', quantity: 1 }] },
      [['PRODUCT_UNAVAILABLE', 'items.0.productId']],
    ],
    [
      'the same product twice',
      {
        items: [
          { productId: P1, quantity: 1 },
          { productId: P1.toUpperCase(), quantity: 2 },
        ],
      },
      [['VALIDATION', 'items.1.productId']],
    ],
    ['empty idempotency key', { idempotencyKey: '' }, [['VALIDATION', 'idempotencyKey']]],
    ['blank idempotency key', { idempotencyKey: '   ' }, [['VALIDATION', 'idempotencyKey']]],
    [
      'over-long idempotency key',
      { idempotencyKey: 'k'.repeat(101) },
      [['VALIDATION', 'idempotencyKey']],
    ],
    [
      'payment method without pm_',
      { paymentMethod: 'card_visa' },
      [['VALIDATION', 'paymentMethod']],
    ],
    ['payment method too short', { paymentMethod: 'pm_' }, [['VALIDATION', 'paymentMethod']]],
    [
      'payment method too long',
      { paymentMethod: `pm_${'x'.repeat(98)}` },
      [['VALIDATION', 'paymentMethod']],
    ],
  ])('refuses %s', (_name, override, expected) => {
    expect(errorsOf({ ...valid(), ...override })).toEqual(expected);
  });

  it.each([
    ['empty street', { line1: '' }, 'shippingAddress.line1'],
    ['blank city', { city: '   ' }, 'shippingAddress.city'],
    ['over-long street', { line1: 'x'.repeat(201) }, 'shippingAddress.line1'],
    ['over-long city', { city: 'x'.repeat(101) }, 'shippingAddress.city'],
    ['over-long postal code', { postalCode: '1'.repeat(21) }, 'shippingAddress.postalCode'],
    ['unassigned country code', { country: 'XX' }, 'shippingAddress.country'],
    ['lower-case country code', { country: 'de' }, 'shippingAddress.country'],
    ['three-letter country code', { country: 'DEU' }, 'shippingAddress.country'],
  ])('refuses an address with %s', (_name, override, field) => {
    const input = valid();
    expect(
      errorsOf({ ...input, shippingAddress: { ...input.shippingAddress, ...override } }),
    ).toEqual([['VALIDATION', field]]);
  });

  it('refuses more than 50 lines with one error on items', () => {
    const items = Array.from({ length: 51 }, () => ({ productId: P1, quantity: 0 }));
    expect(errorsOf({ ...valid(), items })).toEqual([['VALIDATION', 'items']]);
  });

  it('reports every offending field at once', () => {
    expect(
      errorsOf({
        ...valid(),
        items: [
          { productId: 'bad', quantity: 1 },
          { productId: P2, quantity: 0 },
        ],
        paymentMethod: 'visa',
      }),
    ).toEqual([
      ['VALIDATION', 'items.1.quantity'],
      ['VALIDATION', 'paymentMethod'],
      ['PRODUCT_UNAVAILABLE', 'items.0.productId'],
    ]);
  });
});

describe('request fingerprint', () => {
  it('ignores the order of lines and the idempotency key', () => {
    const a = parsePlaceOrderInput({
      ...valid(),
      items: [
        { productId: P1, quantity: 1 },
        { productId: P2, quantity: 2 },
      ],
    });
    const b = parsePlaceOrderInput({
      ...valid(),
      idempotencyKey: 'other',
      items: [
        { productId: P2, quantity: 2 },
        { productId: P1, quantity: 1 },
      ],
    });
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
  });

  it('changes with a quantity, the address or the payment method', () => {
    const base = requestFingerprint(parsePlaceOrderInput(valid()));
    const quantity = parsePlaceOrderInput({ ...valid(), items: [{ productId: P1, quantity: 3 }] });
    const address = parsePlaceOrderInput({
      ...valid(),
      shippingAddress: { ...valid().shippingAddress, postalCode: '10117' },
    });
    const payment = parsePlaceOrderInput({ ...valid(), paymentMethod: 'pm_card_mastercard' });
    for (const other of [quantity, address, payment]) {
      expect(requestFingerprint(other)).not.toBe(base);
    }
  });
});
