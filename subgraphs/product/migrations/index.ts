import type { MigrationObject } from '../../../platform/db.js';
import { inboxMigration, outboxMigration } from '../../../platform/events/index.js';
import { Migration20261121000201Initial } from './Migration20261121000201Initial.js';

/** Applied in this order at start-up; never edit one that has shipped, add a new one. */
export const migrations: MigrationObject[] = [
  outboxMigration,
  inboxMigration,
  { name: 'Migration20261121000201Initial', class: Migration20261121000201Initial },
];
