import { describe, expect, it } from 'vitest';
import { isUuid, uuidv5, uuidv7 } from './ids.js';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('ids', () => {
  it('derives the RFC 9562 version 5 id of a name', () => {
    // The RFC's own example: "www.example.com" in the DNS namespace.
    expect(uuidv5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives the same id from the same name, and different ids from different names', () => {
    const event = uuidv7();
    expect(uuidv5(event, DNS_NAMESPACE)).toBe(uuidv5(event, DNS_NAMESPACE));
    expect(uuidv5(event, DNS_NAMESPACE)).not.toBe(uuidv5(uuidv7(), DNS_NAMESPACE));
    expect(isUuid(uuidv5(event, DNS_NAMESPACE))).toBe(true);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidv5('x', 'not-a-uuid')).toThrow(/namespace/);
  });

  it('orders version 7 ids by creation time', () => {
    const earlier = uuidv7(Date.UTC(2026, 0, 1));
    const later = uuidv7(Date.UTC(2026, 0, 2));
    expect(earlier < later).toBe(true);
    expect(earlier[14]).toBe('7');
  });
});
