import { describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken } from './jwt.js';

const secret = 'jwt-test-secret-for-this-file-only-0123456789';
const user = { id: '01a1ff69-5eab-78c9-aa28-fad87b85708d', roles: ['CUSTOMER' as const] };

describe('access tokens', () => {
  it('verifies a token it issued, again and again, with the same identity', async () => {
    const token = await issueAccessToken(secret, 60_000, user);
    const first = await verifyAccessToken(secret, token);
    const second = await verifyAccessToken(secret, token);
    expect(first).toMatchObject({ userId: user.id, roles: ['CUSTOMER'] });
    expect(second).toEqual(first);
  });

  it('refuses a token signed with another secret even after verifying it under its own', async () => {
    const token = await issueAccessToken(secret, 60_000, user);
    await verifyAccessToken(secret, token);
    await expect(verifyAccessToken(`${secret}-rotated`, token)).rejects.toMatchObject({
      problem: 'invalid',
    });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await issueAccessToken(secret, 60_000, user);
    await verifyAccessToken(secret, token);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as object;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString(
      'base64url',
    );
    await expect(
      verifyAccessToken(secret, `${header}.${forged}.${signature}`),
    ).rejects.toMatchObject({ problem: 'invalid' });
  });

  it('calls a token expired once its expiry passes, though it verified before', async () => {
    const token = await issueAccessToken(secret, 1_000, user);
    const verified = await verifyAccessToken(secret, token);
    await new Promise((r) => setTimeout(r, Math.max(0, verified.expiresAt - Date.now()) + 50));
    await expect(verifyAccessToken(secret, token)).rejects.toMatchObject({ problem: 'expired' });
  });

  it('hands out identities no caller can change for the next request', async () => {
    const token = await issueAccessToken(secret, 60_000, user);
    const verified = await verifyAccessToken(secret, token);
    expect(() => verified.roles.push('ADMIN')).toThrow();
    expect((await verifyAccessToken(secret, token)).roles).toEqual(['CUSTOMER']);
  });
});
