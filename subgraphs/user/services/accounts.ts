import { z } from 'zod';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../../../platform/errors.js';
import { validateInput } from '../../../platform/validation.js';
import { uuidv7 } from '../../../platform/ids.js';
import { issueAccessToken } from '../../../platform/jwt.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import { recordEvent } from '../../../platform/events/index.js';
import { UserSchema, RefreshTokenSchema, type User } from '../entities.js';
import { hashPassword, verifyPassword, decoyHash } from './passwords.js';
import { newRefreshToken, hashRefreshToken } from './tokens.js';

export interface AccountSettings {
  jwtSecret: string;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

const email = z
  .string()
  .trim()
  .max(254, 'Email must be at most 254 characters')
  .pipe(z.email({ message: 'Email is not a valid address' }))
  .transform((v) => v.toLowerCase());
const password = z
  .string()
  .min(8, 'Password must be at least 8 characters')
  .max(128, 'Password must be at most 128 characters');

const signUpInput = z.object({
  email,
  password,
  name: z
    .string()
    .trim()
    .min(1, 'Name must not be empty')
    .max(100, 'Name must be at most 100 characters'),
});

const logInInput = z.object({
  email: z.string().max(254, 'Email must be at most 254 characters'),
  password: z.string().max(128, 'Password must be at most 128 characters'),
});

const invalidCredentials = () =>
  new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect');
const invalidToken = () =>
  new DomainError('INVALID_TOKEN', 'Refresh token is invalid or expired', ['refreshToken']);

/** Sign-up, sign-in and session refresh: the account use cases. */
export class AccountService {
  constructor(private readonly settings: AccountSettings) {}

  async signUp(ctx: RequestContext, rawInput: unknown): Promise<Session> {
    const input = validateInput(signUpInput, rawInput);
    const passwordHash = await hashPassword(input.password);
    try {
      return await ctx.em.transactional(async (em) => {
        const user = em.create(UserSchema, {
          id: uuidv7(),
          email: input.email,
          name: input.name,
          passwordHash,
          roles: ['CUSTOMER'],
        });
        await em.flush();
        await recordEvent(em, {
          type: 'user.registered',
          aggregateId: user.id,
          aggregateVersion: 1,
          data: { userId: user.id, email: user.email, name: user.name },
        });
        return this.openSession(em, user);
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists', [
          'email',
        ]);
      }
      throw err;
    }
  }

  async logIn(ctx: RequestContext, rawInput: unknown): Promise<Session> {
    const input = validateInput(logInInput, rawInput);
    const user = await ctx.em.findOne(UserSchema, { email: input.email.trim().toLowerCase() });
    // Verify against a decoy when the account is unknown: same answer, similar time.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) throw invalidCredentials();
    return ctx.em.transactional((em) => this.openSession(em, user));
  }

  /**
   * Rotates a refresh token. The row is locked so two concurrent uses of one
   * token cannot both succeed; a token already used means it leaked (or was
   * replayed), so the whole family is revoked.
   */
  async refreshSession(ctx: RequestContext, token: unknown): Promise<Omit<Session, 'user'>> {
    if (typeof token !== 'string' || token.length < 16 || token.length > 256) throw invalidToken();
    const hash = hashRefreshToken(token);
    const outcome = await ctx.em.transactional(async (em) => {
      const row = await em.findOne(
        RefreshTokenSchema,
        { tokenHash: hash },
        { lockMode: 4 /* PESSIMISTIC_WRITE */ },
      );
      if (!row) return { kind: 'invalid' as const };
      if (row.usedAt || row.revokedAt) {
        await em.nativeUpdate(
          RefreshTokenSchema,
          { familyId: row.familyId, revokedAt: null },
          { revokedAt: new Date() },
        );
        return { kind: 'reused' as const, familyId: row.familyId };
      }
      if (row.expiresAt.getTime() <= Date.now()) return { kind: 'invalid' as const };
      const user = await em.findOne(UserSchema, { id: row.userId });
      if (!user) return { kind: 'invalid' as const };
      row.usedAt = new Date();
      const session = await this.openSession(em, user, row.familyId);
      return { kind: 'ok' as const, session };
    });
    if (outcome.kind === 'reused') {
      ctx.logger.warn({ familyId: outcome.familyId }, 'refresh token reused; family revoked');
    }
    if (outcome.kind !== 'ok') throw invalidToken();
    return { accessToken: outcome.session.accessToken, refreshToken: outcome.session.refreshToken };
  }

  /**
   * Makes sure the configured admin account exists, has the ADMIN role and
   * signs in with the configured password. Idempotent; runs at start-up.
   */
  async ensureAdmin(em: EntityManager, adminEmail: string, adminPassword: string): Promise<void> {
    const normalized = adminEmail.trim().toLowerCase();
    await em.transactional(async (tx) => {
      const existing = await tx.findOne(UserSchema, { email: normalized });
      if (!existing) {
        tx.create(UserSchema, {
          id: uuidv7(),
          email: normalized,
          name: 'Administrator',
          passwordHash: await hashPassword(adminPassword),
          roles: ['CUSTOMER', 'ADMIN'],
        });
        return;
      }
      if (!existing.roles.includes('ADMIN')) existing.roles = [...existing.roles, 'ADMIN'];
      if (!(await verifyPassword(adminPassword, existing.passwordHash))) {
        existing.passwordHash = await hashPassword(adminPassword);
      }
    });
  }

  private async openSession(em: EntityManager, user: User, familyId = uuidv7()): Promise<Session> {
    const refresh = newRefreshToken();
    em.create(RefreshTokenSchema, {
      id: uuidv7(),
      tokenHash: refresh.hash,
      familyId,
      userId: user.id,
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlMs),
    });
    await em.flush();
    const accessToken = await issueAccessToken(
      this.settings.jwtSecret,
      this.settings.accessTokenTtlMs,
      user,
    );
    return { accessToken, refreshToken: refresh.token, user };
  }
}
