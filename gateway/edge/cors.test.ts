import { describe, expect, it } from 'vitest';
import { parseAllowedOrigins } from './cors.js';

describe('CORS_ORIGINS', () => {
  it('allows no origin when empty', () => {
    expect(parseAllowedOrigins('')).toEqual(new Set());
    expect(parseAllowedOrigins(' , ')).toEqual(new Set());
  });

  it('reads a list of origins, a trailing slash forgiven, or a lone "*"', () => {
    expect(parseAllowedOrigins('https://shop.example.com, http://localhost:5173/')).toEqual(
      new Set(['https://shop.example.com', 'http://localhost:5173']),
    );
    expect(parseAllowedOrigins(' * ')).toBe('*');
  });

  it('refuses at start what is not an origin', () => {
    for (const bad of [
      'shop.example.com',
      'https://shop.example.com/app',
      '*, https://a.example',
    ]) {
      expect(() => parseAllowedOrigins(bad)).toThrow(/CORS_ORIGINS: .* is not an origin/);
    }
  });
});
