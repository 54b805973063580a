import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, forbidden, unauthenticated } from '../../../platform/errors.js';
import { isAdmin } from '../../../platform/identity.js';
import { isUuid, uuidv7 } from '../../../platform/ids.js';
import type { RequestContext } from '../../../platform/subgraph.js';
import { validateInput } from '../../../platform/validation.js';
import { ProductSchema, toProductRecord, type Product, type ProductRecord } from '../entities.js';
import type { CatalogCache } from './catalog-cache.js';
import { createProductInput, updateProductInput } from './product-input.js';
import { recordProductEvent } from './product-events.js';

const notFound = () => new DomainError('NOT_FOUND', 'No product has this id', ['id']);

/** The back office's catalogue changes; each is admin-only. */
function requireAdmin(ctx: RequestContext): void {
  if (!ctx.identity) throw unauthenticated('Sign in as an admin to change the catalogue');
  if (!isAdmin(ctx.identity)) throw forbidden('Only admins can change the catalogue');
}

/**
 * Creating, changing and archiving products. Each change commits the row, its
 * raised `version` and its event together, and only then invalidates the
 * cache, so no reader can cache a state that did not commit.
 */
export class CatalogAdmin {
  constructor(private readonly cache: CatalogCache) {}

  async createProduct(ctx: RequestContext, rawInput: unknown): Promise<ProductRecord> {
    requireAdmin(ctx);
    const input = validateInput(createProductInput, rawInput);
    let created: ProductRecord;
    try {
      created = await ctx.em.transactional(async (em) => {
        const product = em.create(ProductSchema, {
          id: uuidv7(),
          sku: input.sku,
          name: input.name,
          description: input.description,
          category: input.category,
          priceAmount: input.price.amount,
          priceCurrency: input.price.currency,
          archivedAt: null,
          version: 1,
        });
        await em.flush();
        await recordProductEvent(em, 'product.created', product);
        return toProductRecord(product);
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DomainError('DUPLICATE_SKU', 'Another product already uses this SKU', ['sku']);
      }
      throw err;
    }
    ctx.logger.info({ productId: created.id, sku: created.sku }, 'product created');
    await this.cache.invalidate([created.id]);
    return created;
  }

  /** Partial update; a request that changes nothing returns the product as it is. */
  async updateProduct(ctx: RequestContext, rawInput: unknown): Promise<ProductRecord> {
    requireAdmin(ctx);
    const input = validateInput(updateProductInput, rawInput);
    if (!isUuid(input.id)) throw notFound();
    const outcome = await ctx.em.transactional(async (em) => {
      const product = await this.lock(em, input.id);
      if (product.archivedAt) {
        throw new DomainError('INVALID_STATE', 'An archived product cannot be changed', ['id']);
      }
      const before = toProductRecord(product);
      if (input.name != null) product.name = input.name;
      if (input.description != null) product.description = input.description.trim() || null;
      if (input.category != null) product.category = input.category;
      if (input.price != null) {
        product.priceAmount = input.price.amount;
        product.priceCurrency = input.price.currency;
      }
      if (!changed(before, product)) return { product: before, changed: false };
      product.version += 1;
      await em.flush();
      await recordProductEvent(em, 'product.updated', product);
      return { product: toProductRecord(product), changed: true };
    });
    if (outcome.changed) {
      ctx.logger.info({ productId: input.id, version: outcome.product.version }, 'product updated');
      await this.cache.invalidate([input.id]);
    }
    return outcome.product;
  }

  /** Archiving an archived product changes nothing and returns it. */
  async archiveProduct(ctx: RequestContext, id: string): Promise<ProductRecord> {
    requireAdmin(ctx);
    if (!isUuid(id)) throw notFound();
    const outcome = await ctx.em.transactional(async (em) => {
      const product = await this.lock(em, id);
      if (product.archivedAt) return { product: toProductRecord(product), changed: false };
      product.archivedAt = new Date();
      product.version += 1;
      await em.flush();
      await recordProductEvent(em, 'product.archived', product);
      return { product: toProductRecord(product), changed: true };
    });
    if (outcome.changed) {
      ctx.logger.info({ productId: id }, 'product archived');
      await this.cache.invalidate([id]);
    }
    return outcome.product;
  }

  /** The row, locked until the transaction ends, so concurrent changes queue and each gets its own version. */
  private async lock(em: EntityManager, id: string): Promise<Product> {
    const product = await em.findOne(
      ProductSchema,
      { id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!product) throw notFound();
    return product;
  }
}

function changed(before: ProductRecord, after: Product): boolean {
  return (
    before.name !== after.name ||
    before.description !== (after.description ?? null) ||
    before.category !== after.category ||
    before.priceAmount !== after.priceAmount ||
    before.priceCurrency !== after.priceCurrency
  );
}
