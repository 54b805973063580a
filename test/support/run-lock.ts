import pg from 'pg';

/**
 * One test run at a time on this machine: runs share fixed ports (4100-4105)
 * and database names, and several engineers run tests here. A PostgreSQL
 * advisory lock serialises them; unlike a lock file it is released by the
 * server when the holder dies, so a killed run never blocks the next one.
 */

const LOCK_KEY = 'ecommerce-supergraph:test-run';
const MAX_WAIT = '20min';

export interface RunLock {
  release(): Promise<void>;
}

export async function acquireRunLock(
  databaseUrl: string,
  onWait: (holder: string) => void,
): Promise<RunLock> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: url.toString(),
    application_name: `ecommerce-test-run pid ${process.pid}`,
  });
  // Losing the connection mid-run only loses the lock; it must not crash the run.
  client.on('error', () => undefined);
  await client.connect();
  const { rows } = await client.query<{ ok: boolean }>(
    'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
    [LOCK_KEY],
  );
  if (!rows[0]?.ok) {
    const holder = await client.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objid = hashtext($1)::oid`,
      [LOCK_KEY],
    );
    onWait(holder.rows[0]?.application_name ?? 'another test run');
    await client.query(`SET lock_timeout = '${MAX_WAIT}'`);
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
  }
  return {
    release: async () => {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch(() => {});
      await client.end().catch(() => undefined);
    },
  };
}
