import type { MigrationObject } from '../../../platform/db.js';
import { inboxMigration, outboxMigration } from '../../../platform/events/index.js';
import { Migration20261121000001Initial } from './Migration20261121000001Initial.js';

/** Applied in this order at start-up; never edit one that has shipped, add a new one. */
export const migrations: MigrationObject[] = [
  outboxMigration,
  inboxMigration,
  { name: 'Migration20261121000001Initial', class: Migration20261121000001Initial },
];
