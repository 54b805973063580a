import { forbidden, unauthenticated } from '../../platform/errors.js';
import { isAdmin } from '../../platform/identity.js';
import { mutationPayload } from '../../platform/validation.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { InventoryContext } from './context.js';
import { inventoryLevel } from './services/stock-levels.js';

function requireAdmin(ctx: InventoryContext): void {
  if (!ctx.identity) throw unauthenticated();
  if (!isAdmin(ctx.identity)) throw forbidden('Only admins can adjust stock');
}

export const resolvers: Resolvers = {
  Mutation: {
    adjustStock: async (_root, { input }, ctx) => {
      requireAdmin(ctx);
      return mutationPayload('product', async () => {
        const level = await ctx.adjustments.adjust(ctx, input);
        // The answer shows the levels this change produced, not an earlier read.
        ctx.loaders.stockByProductId.clear(level.productId).prime(level.productId, level);
        return { id: level.productId };
      });
    },
  },
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    inventory: async (product, _args, ctx) =>
      inventoryLevel(await ctx.loaders.stockByProductId.load(product.id.toLowerCase())),
  },
};
