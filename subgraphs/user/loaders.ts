import type { EntityManager } from '@mikro-orm/postgresql';
import { batchById } from '../../platform/loaders.js';
import { findUsers } from './services/user-rows.js';

export function createLoaders(em: EntityManager) {
  return {
    userById: batchById(
      (ids) => findUsers(em, ids),
      (user) => user.id,
    ),
  };
}
