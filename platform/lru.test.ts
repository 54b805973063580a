import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('forgets the least recently used entry once full', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('replaces a value without growing', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('a', 2);
    expect(lru.get('a')).toBe(2);
    expect(lru.size).toBe(1);
  });

  it('forgets an entry on request, making room for another', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.delete('a');
    lru.set('c', 3);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBe(2);
    expect(lru.size).toBe(2);
  });
});

describe('Lru bounded by weight', () => {
  const bytes = (s: string) => s.length;

  it('forgets the least recently used entries until the weights fit', () => {
    const lru = new Lru<string, string>(10, bytes);
    lru.set('a', 'xxxx');
    lru.set('b', 'xxxx');
    expect(lru.get('a')).toBe('xxxx'); // a is now the most recent
    lru.set('c', 'xxxxx');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('xxxx');
    expect(lru.weight).toBe(9);
  });

  it('keeps no entry heavier than the whole capacity, and leaves the others be', () => {
    const lru = new Lru<string, string>(10, bytes);
    lru.set('a', 'xx');
    lru.set('big', 'x'.repeat(11));
    expect(lru.get('big')).toBeUndefined();
    expect(lru.get('a')).toBe('xx');
    expect(lru.weight).toBe(2);
  });

  it('counts a replaced or deleted value out, and clears to nothing', () => {
    const lru = new Lru<string, string>(10, bytes);
    lru.set('a', 'xxxx');
    lru.set('a', 'xx');
    lru.set('b', 'xxx');
    expect(lru.weight).toBe(5);
    lru.delete('b');
    expect(lru.weight).toBe(2);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.weight).toBe(0);
  });
});
