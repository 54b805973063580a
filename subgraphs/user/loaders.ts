import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import { isUuid } from '../../platform/ids.js';
import { UserSchema } from './entities.js';

export function createLoaders(em: EntityManager) {
  return {
    userById: batchById(
      (ids) => em.find(UserSchema, { id: { $in: ids.filter(isUuid) } }),
      (user) => user.id,
    ),
  };
}
