import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import {
  LogInDocument,
  MeDocument,
  RefreshSessionDocument,
  SignUpDocument,
} from '../../client/__generated__/graphql.js';
import { loadSubgraphConfig } from '../../platform/config.js';
import { gql } from '../support/client.js';
import { adminToken, signUpCustomer, unique } from '../support/fixtures.js';
import { findEvent } from '../support/kafka.js';
import { inject } from 'vitest';

const password = 'correct-horse-battery';

describe('accounts through the gateway', () => {
  it('signs up a customer and returns working tokens with the user', async () => {
    const email = `${unique('new')}@Example.com`;
    const { data, errors } = await gql(SignUpDocument, {
      input: { email, password, name: 'Ada' },
    });
    expect(errors).toBeUndefined();
    const payload = data!.signUp;
    expect(payload.userErrors).toEqual([]);
    expect(payload.user).toMatchObject({ email: email.toLowerCase(), name: 'Ada' });
    const me = await gql(MeDocument, {}, { token: payload.accessToken! });
    expect(me.data?.me).toMatchObject({ id: payload.user!.id, roles: ['CUSTOMER'] });
  });

  it('announces a new account as user.registered on Kafka', async () => {
    const customer = await signUpCustomer('Announced');
    const event = await findEvent('user', (e) => e.aggregateId === customer.id);
    expect(event).toMatchObject({
      type: 'user.registered',
      aggregateVersion: 1,
      data: { userId: customer.id, email: customer.email, name: 'Announced' },
    });
  });

  it('refuses a second account for the same email in another case', async () => {
    const customer = await signUpCustomer();
    const { data } = await gql(SignUpDocument, {
      input: { email: customer.email.toUpperCase(), password, name: 'Twin' },
    });
    expect(data!.signUp).toMatchObject({
      accessToken: null,
      refreshToken: null,
      user: null,
      userErrors: [{ code: 'EMAIL_TAKEN', field: ['email'] }],
    });
  });

  it.each([
    ['a short password', { password: 'short' }, ['password']],
    ['an empty name', { name: '' }, ['name']],
    ['a malformed email', { email: 'not-an-email' }, ['email']],
    ['an over-long name', { name: 'x'.repeat(101) }, ['name']],
  ])('refuses %s with a VALIDATION error and creates no account', async (_label, patch, field) => {
    const email = `${unique('invalid')}@example.com`;
    const input = { email, password, name: 'Valid Name', ...patch };
    const { data } = await gql(SignUpDocument, { input });
    expect(data!.signUp.user).toBeNull();
    expect(data!.signUp.userErrors).toContainEqual(
      expect.objectContaining({ code: 'VALIDATION', field }),
    );
    const login = await gql(LogInDocument, {
      input: { email: input.email, password: input.password },
    });
    expect(login.data!.logIn.userErrors[0]?.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses an over-long email with a VALIDATION error', async () => {
    const email = `${'x'.repeat(250)}@example.com`;
    const { data } = await gql(SignUpDocument, { input: { email, password, name: 'Long' } });
    expect(data!.signUp).toMatchObject({
      user: null,
      userErrors: [{ code: 'VALIDATION', field: ['email'] }],
    });
  });

  it('logs in with the email in any case', async () => {
    const customer = await signUpCustomer();
    const { data } = await gql(LogInDocument, {
      input: { email: customer.email.toUpperCase(), password },
    });
    expect(data!.logIn.userErrors).toEqual([]);
    expect(data!.logIn.user?.id).toBe(customer.id);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const customer = await signUpCustomer();
    const wrong = await gql(LogInDocument, {
      input: { email: customer.email, password: 'wrong-password' },
    });
    const unknown = await gql(LogInDocument, {
      input: { email: `${unique('nobody')}@example.com`, password },
    });
    expect(wrong.data!.logIn).toEqual(unknown.data!.logIn);
    expect(wrong.data!.logIn).toMatchObject({
      accessToken: null,
      user: null,
      userErrors: [{ code: 'INVALID_CREDENTIALS' }],
    });
  });

  it('rotates refresh tokens, and revokes the family when a used one is replayed', async () => {
    const customer = await signUpCustomer();
    const first = await gql(RefreshSessionDocument, { refreshToken: customer.refreshToken });
    const rotated = first.data!.refreshSession;
    expect(rotated.userErrors).toEqual([]);
    expect(rotated.refreshToken).not.toBe(customer.refreshToken);
    expect((await gql(MeDocument, {}, { token: rotated.accessToken! })).data?.me?.id).toBe(
      customer.id,
    );

    const replay = await gql(RefreshSessionDocument, { refreshToken: customer.refreshToken });
    expect(replay.data!.refreshSession).toMatchObject({
      accessToken: null,
      refreshToken: null,
      userErrors: [{ code: 'INVALID_TOKEN' }],
    });
    // The replay revoked the whole family: the newest token no longer works either.
    const afterTheft = await gql(RefreshSessionDocument, { refreshToken: rotated.refreshToken! });
    expect(afterTheft.data!.refreshSession.userErrors[0]?.code).toBe('INVALID_TOKEN');
  });

  it('answers an unknown refresh token with INVALID_TOKEN', async () => {
    const { data } = await gql(RefreshSessionDocument, { refreshToken: 'x'.repeat(43) });
    expect(data!.refreshSession.userErrors[0]?.code).toBe('INVALID_TOKEN');
  });

  it('gives me = null without a token', async () => {
    const { data, errors } = await gql(MeDocument);
    expect(errors).toBeUndefined();
    expect(data?.me).toBeNull();
  });

  it('gives me = null and an UNAUTHENTICATED error for forged and expired tokens', async () => {
    const customer = await signUpCustomer();
    const forged = await new SignJWT({ roles: ['ADMIN'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(customer.id)
      .setIssuer('ecommerce-user')
      .setAudience('ecommerce')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-secret-that-is-not-the-servers-secret-at-all'));
    const secret = loadSubgraphConfig('user', inject('testEnv')).JWT_SECRET;
    const expired = await new SignJWT({ roles: ['CUSTOMER'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(customer.id)
      .setIssuer('ecommerce-user')
      .setAudience('ecommerce')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    for (const token of [forged, expired, 'not-a-jwt']) {
      const { data, errors } = await gql(MeDocument, {}, { token });
      expect(data?.me).toBeNull();
      expect(errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('ensures the configured admin account with the ADMIN role', async () => {
    const token = await adminToken();
    const { data } = await gql(MeDocument, {}, { token });
    expect(data?.me?.roles).toContain('ADMIN');
  });
});
