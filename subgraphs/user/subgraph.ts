import { createOutboxRelay } from '../../platform/events/index.js';
import type { SubgraphModule } from '../../platform/subgraph.js';
import type { UserContext } from './context.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { AccountService } from './services/accounts.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers.js';

/** Accounts: users, credentials, roles, sessions. */
export const userSubgraph: SubgraphModule<UserContext> = {
  name: 'user',
  schema: new URL('./schema.graphql', import.meta.url),
  entities,
  migrations,
  async setup(runtime) {
    const { config, orm } = runtime;
    const accounts = new AccountService({
      jwtSecret: config.JWT_SECRET,
      accessTokenTtlMs: config.ACCESS_TOKEN_TTL,
      refreshTokenTtlMs: config.REFRESH_TOKEN_TTL,
    });
    await accounts.ensureAdmin(orm.em.fork(), config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
    return {
      resolvers,
      context: (base) => ({ ...base, accounts, loaders: createLoaders(base.em) }),
      background: [createOutboxRelay(runtime)],
    };
  },
};
