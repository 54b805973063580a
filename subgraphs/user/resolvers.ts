import { forbidden } from '../../platform/errors.js';
import { isAdmin } from '../../platform/identity.js';
import { mutationPayload } from '../../platform/validation.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { UserContext } from './context.js';
import type { User } from './entities.js';

/** Private fields are for the user themself and for admins. */
function visibleTo(ctx: UserContext, user: User): boolean {
  return (
    ctx.identity?.userId === user.id || ctx.signedInUserId === user.id || isAdmin(ctx.identity)
  );
}

export const resolvers: Resolvers = {
  Query: {
    me: (_root, _args, ctx) =>
      ctx.identity ? ctx.loaders.userById.load(ctx.identity.userId) : null,
  },
  Mutation: {
    signUp: async (_root, { input }, ctx) => {
      const result = await mutationPayload('session', () => ctx.accounts.signUp(ctx, input));
      ctx.signedInUserId = result.session?.user.id;
      return {
        ...result.session,
        user: result.session?.user ?? null,
        userErrors: result.userErrors,
      };
    },
    logIn: async (_root, { input }, ctx) => {
      const result = await mutationPayload('session', () => ctx.accounts.logIn(ctx, input));
      ctx.signedInUserId = result.session?.user.id;
      return {
        ...result.session,
        user: result.session?.user ?? null,
        userErrors: result.userErrors,
      };
    },
    refreshSession: async (_root, { refreshToken }, ctx) => {
      const result = await mutationPayload('session', () =>
        ctx.accounts.refreshSession(ctx, refreshToken),
      );
      return { ...result.session, userErrors: result.userErrors };
    },
  },
  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.userById.load(ref.id),
    email: (user, _args, ctx) => {
      if (!visibleTo(ctx, user)) throw forbidden('Only the user and admins can see this email');
      return user.email;
    },
    roles: (user, _args, ctx) => {
      if (!visibleTo(ctx, user)) throw forbidden('Only the user and admins can see these roles');
      return user.roles;
    },
  },
};
