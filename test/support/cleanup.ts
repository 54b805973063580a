import pg from 'pg';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Removes what test runs leave on the shared servers: databases (dropped at
 * the start of a run, so a failed run can still be inspected), and topics,
 * consumer groups and Redis keys carrying a run's prefix (removed at its end,
 * and stale ones from crashed runs at the next start).
 */

function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

/** Drops every database whose name starts with `<base>_`, even with open connections. */
export async function dropDatabases(databaseUrl: string, base: string): Promise<string[]> {
  if (!/^[a-z0-9_]+$/.test(base)) throw new Error(`unsafe database name ${base}`);
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%'",
      [base],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** Deletes topics and consumer groups whose names match. */
export async function deleteKafkaNames(brokers: string, matches: (name: string) => boolean) {
  const kafka = new Kafka({
    clientId: 'test-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter(matches);
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(matches);
    // A group with live members cannot be deleted; by now its consumers are gone.
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    return { topics, groups };
  } finally {
    await admin.disconnect();
  }
}

/** Deletes every key under a prefix (SCAN, never KEYS: the dev stack shares this Redis). */
export async function deleteRedisKeys(url: string, pattern: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
