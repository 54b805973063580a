import type DataLoader from 'dataloader';
import type { RequestContext } from '../../platform/subgraph.js';
import type { ProductRecord } from './entities.js';
import type { CatalogAdmin } from './services/catalog-admin.js';
import type { CatalogReads } from './services/catalog-reads.js';

export interface ProductContext extends RequestContext {
  catalog: CatalogReads;
  admin: CatalogAdmin;
  loaders: { productById: DataLoader<string, ProductRecord | null> };
}
