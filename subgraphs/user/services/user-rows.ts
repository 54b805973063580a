import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRowsByIds, rowDate } from '../../../platform/events/sql.js';
import type { User } from '../entities.js';

/**
 * Users by id as plain SQL: `me` and every reference to a customer from
 * another subgraph come through here, and the ORM's find cost several times
 * the query itself (decision 17).
 */

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  roles: User['roles'];
  created_at: string | Date;
  updated_at: string | Date;
}

export async function findUsers(em: EntityManager, ids: readonly string[]): Promise<User[]> {
  const rows = await queryRowsByIds<UserRow>(
    em,
    `SELECT id, email, name, password_hash, roles, created_at, updated_at
       FROM users WHERE id IN (?)`,
    ids,
  );
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    roles: row.roles,
    createdAt: rowDate(row.created_at),
    updatedAt: rowDate(row.updated_at),
  }));
}
