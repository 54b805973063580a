import { mutationPayload } from '../../platform/validation.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    products: (_root, args, ctx) => ctx.catalog.listProducts(ctx, args),
    product: (_root, { id }, ctx) => ctx.loaders.productById.load(id),
  },
  Mutation: {
    createProduct: (_root, { input }, ctx) =>
      mutationPayload('product', () => ctx.admin.createProduct(ctx, input)),
    updateProduct: (_root, { input }, ctx) =>
      mutationPayload('product', () => ctx.admin.updateProduct(ctx, input)),
    archiveProduct: (_root, { id }, ctx) =>
      mutationPayload('product', () => ctx.admin.archiveProduct(ctx, id)),
  },
  Product: {
    // Archived products resolve too: past orders still show them.
    __resolveReference: (ref, ctx) => ctx.loaders.productById.load(ref.id),
    price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
    archived: (product) => product.archivedAt !== null,
  },
};
