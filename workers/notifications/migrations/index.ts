import type { MigrationObject } from '../../../platform/db.js';
import { inboxMigration } from '../../../platform/events/index.js';
import { Migration20261122000001Notifications } from './Migration20261122000001Notifications.js';

/**
 * Applied in this order at start-up; never edit one that has shipped, add a
 * new one. No outbox: the worker publishes nothing.
 */
export const migrations: MigrationObject[] = [
  inboxMigration,
  { name: 'Migration20261122000001Notifications', class: Migration20261122000001Notifications },
];
