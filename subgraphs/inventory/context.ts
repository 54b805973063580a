import type DataLoader from 'dataloader';
import type { RequestContext } from '../../platform/subgraph.js';
import type { StockAdjustmentService } from './services/adjustments.js';
import type { StockLevel } from './services/stock-levels.js';

export interface InventoryContext extends RequestContext {
  adjustments: StockAdjustmentService;
  loaders: { stockByProductId: DataLoader<string, StockLevel | null> };
}
