import pg from 'pg';
import {
  MikroORM,
  TransactionPropagation,
  type EntitySchema,
  type Options,
  type TransactionOptions,
} from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import type { Logger } from './logger.js';
import { StartupError } from './startup-error.js';

export type { MigrationObject };

const CONNECT_TIMEOUT_MS = 5_000;

function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

/** One clear line for "the server is not there", instead of a driver stack trace. */
export function postgresUnreachable(url: string, cause: unknown): StartupError {
  const code = (cause as { code?: string })?.code ?? (cause as Error)?.message ?? 'unknown error';
  return new StartupError(
    `PostgreSQL at ${describeTarget(url)} is unreachable (${code}); start it (e.g. pg_ctlcluster 15 main start) or set DATABASE_URL`,
  );
}

/**
 * Creates the service's database on first start. Runs against the server's
 * `postgres` maintenance database; two services racing to create the same
 * database is harmless.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(dbName)) {
    throw new StartupError(`database name "${dbName}" may contain only letters, digits and "_"`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
  } catch (err) {
    throw postgresUnreachable(url, err);
  }
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      dbName,
    ]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE "${dbName}"`);
      } catch (err) {
        // 42P04 duplicate_database, 23505 unique_violation: created concurrently.
        const code = (err as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw err;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface OrmOptions {
  url: string;
  entities: EntitySchema<any, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  migrations: MigrationObject[];
  logger: Logger;
  poolMax?: number;
}

/**
 * MikroORM for one service: its own database, schema changed only by the
 * versioned migrations it ships (never auto-sync), applied at start-up.
 */
export async function initOrm(options: OrmOptions): Promise<MikroORM> {
  await ensureDatabase(options.url);
  const config: Options = {
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList: options.migrations,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: options.poolMax ?? 10, acquireTimeoutMillis: CONNECT_TIMEOUT_MS },
    driverOptions: { connection: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS } },
    debug: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
  };
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(config);
  } catch (err) {
    throw postgresUnreachable(options.url, err);
  }
  const applied = await orm.getMigrator().up();
  if (applied.length) {
    options.logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  }
  return orm;
}

/** Readiness probe: a trivial round trip, bounded by the caller's timeout. */
export async function pingDatabase(orm: MikroORM): Promise<void> {
  await orm.em.getConnection().execute('SELECT 1');
}

/**
 * Options for `em.transactional` that join the caller's transaction (a Kafka
 * handler's, which a failure rolls back whole), or start one when there is
 * none: a savepoint would add two round trips and undo nothing the caller
 * would keep. A new object per call: MikroORM writes the transaction it
 * found into the options it is given (`ctx`), so a shared object would hand
 * a finished transaction to the next caller that has none.
 */
export const joinOrBegin = (): TransactionOptions => ({
  propagation: TransactionPropagation.REQUIRED,
});
