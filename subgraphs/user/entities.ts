import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An account. `email` is stored lower-cased; a unique index enforces case-insensitive uniqueness. */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    email: p.string().length(254),
    name: p.string().length(100),
    passwordHash: p.string().length(255),
    roles: p.array().$type<('CUSTOMER' | 'ADMIN')[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type User = InferEntity<typeof UserSchema>;

/**
 * A refresh token, stored only as a SHA-256 hash. Tokens of one sign-in form a
 * family; a token is used once (`usedAt`), and replaying a used one revokes
 * the family.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.uuid().primary(),
    tokenHash: p.string().length(64).unique(),
    familyId: p.uuid().index(),
    userId: p.uuid().index(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type RefreshToken = InferEntity<typeof RefreshTokenSchema>;

export const entities = [UserSchema, RefreshTokenSchema];
