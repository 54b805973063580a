import { deleteKafkaNames, deleteRedisKeys, dropDatabases } from '../../test/support/cleanup.js';

/**
 * Removes what a benchmark's own stack created: its topics and consumer groups
 * (by Kafka prefix), its Redis keys and its databases. Best effort: a failure
 * is reported, never thrown over the benchmark's result.
 */
export async function removeRunData(env: Record<string, string>, database: string): Promise<void> {
  const prefix = env.KAFKA_TOPIC_PREFIX!;
  await deleteKafkaNames(env.KAFKA_BROKERS!, (name) => name.startsWith(prefix)).catch(
    (err: Error) => console.warn(`could not delete the run's topics: ${err.message}`),
  );
  await deleteRedisKeys(env.REDIS_URL!, `${env.REDIS_KEY_PREFIX}*`).catch(() => 0);
  await dropDatabases(env.DATABASE_URL!, database).catch(() => []);
}
