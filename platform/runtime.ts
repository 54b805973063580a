import type { Kafka, Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { MikroORM, EntitySchema } from '@mikro-orm/postgresql';
import type { ServiceConfig, SubgraphConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { initOrm, pingDatabase, type MigrationObject } from './db.js';
import { createKafka, pingKafka } from './kafka.js';
import { createRedis, connectRedis, pingRedis } from './redis.js';
import type { HealthCheck } from './health.js';
import { Lifecycle } from './lifecycle.js';

/**
 * What every service process has once its infrastructure is up, subgraph or
 * worker alike, and the start-up steps they share (startSubgraph in
 * subgraph.ts, startWorker in worker.ts), so both boot and stop the same way.
 */

/** What a service's code gets once its infrastructure is up. */
export interface Runtime<Config extends ServiceConfig = SubgraphConfig> {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  kafka: Kafka;
  /** Null for services that do not use Redis. */
  redis: Redis | null;
  lifecycle: Lifecycle;
}

/** Long-running work beside the HTTP server: outbox relays, Kafka consumers, timers. */
export interface BackgroundTask {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  usesRedis?: boolean;
}

/**
 * Database (created and migrated), Kafka, Redis if used, each registered for
 * an ordered shutdown; returns the runtime and the readiness checks of what it
 * opened.
 */
export async function openRuntime<Config extends ServiceConfig>(
  config: Config,
  options: RuntimeOptions,
): Promise<{ runtime: Runtime<Config>; checks: Record<string, HealthCheck> }> {
  const logger = createLogger(config.service, config.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT);

  const orm = await initOrm({
    url: config.databaseUrl,
    entities: options.entities,
    migrations: options.migrations,
    logger,
  });
  lifecycle.onShutdown('postgres', () => orm.close(true));

  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.service}-service`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    logger,
  });
  const admin: Admin = kafka.admin();
  // Not awaited: a broker that is down makes the service not ready, not dead.
  const adminConnected = admin.connect().catch((err: unknown) => {
    logger.warn({ err: (err as Error).message }, 'kafka not reachable yet');
  });
  lifecycle.onShutdown('kafka-admin', async () => {
    await adminConnected;
    await admin.disconnect();
  });

  let redis: Redis | null = null;
  if (options.usesRedis) {
    const client = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger);
    redis = client;
    connectRedis(client).catch(() => undefined); // degraded, not fatal: caches fall back
    lifecycle.onShutdown('redis', async () => {
      client.disconnect();
    });
  }

  const checks: Record<string, HealthCheck> = {
    postgres: () => pingDatabase(orm),
    kafka: () => pingKafka(admin),
    ...(redis ? { redis: () => pingRedis(redis as Redis) } : {}),
  };
  return { runtime: { config, logger, orm, kafka, redis, lifecycle }, checks };
}

/** Starts each task and registers its stop, so tasks stop in reverse order of start. */
export async function startBackground(runtime: Runtime<ServiceConfig>, tasks: BackgroundTask[]) {
  for (const task of tasks) {
    await task.start();
    runtime.lifecycle.onShutdown(task.name, () => task.stop());
  }
}
