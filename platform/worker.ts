import http from 'node:http';
import { loadWorkerConfig, type WorkerConfig, type WorkerName } from './config.js';
import { serveHealth, type HealthCheck } from './health.js';
import { runMain } from './lifecycle.js';
import { serveMetrics } from './metrics.js';
import { HttpRoutes } from './http/router.js';
import {
  openRuntime,
  startBackground,
  type BackgroundTask,
  type Runtime,
  type RuntimeOptions,
} from './runtime.js';
import { listen } from './http/listen.js';

/**
 * A worker is a service without GraphQL: it consumes events and keeps its
 * own database, and serves only health and metrics. It boots and stops
 * exactly as a subgraph does (platform/runtime.ts is shared), so it can be
 * deployed, probed and scaled the same way.
 */

export interface WorkerSetup {
  /** The work itself: consumers, relays, timers. */
  background: BackgroundTask[];
  /** Extra readiness checks beside PostgreSQL, Kafka and Redis. */
  checks?: Record<string, HealthCheck>;
}

export interface WorkerModule extends RuntimeOptions {
  name: WorkerName;
  setup(runtime: Runtime<WorkerConfig>): Promise<WorkerSetup>;
}

export interface RunningWorker {
  runtime: Runtime<WorkerConfig>;
  /** Base URL of its health and metrics endpoints. */
  url: string;
  port: number;
  stop(): Promise<number>;
}

/** Configuration, database (created and migrated), Kafka, health, metrics, background work, ordered shutdown. */
export async function startWorker(
  module: WorkerModule,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningWorker> {
  const config = loadWorkerConfig(module.name, env);
  const { runtime, checks: infraChecks } = await openRuntime(config, module);
  const { logger, lifecycle } = runtime;
  const setup = await module.setup(runtime);
  const checks: Record<string, HealthCheck> = { ...infraChecks, ...setup.checks };

  const routes = new HttpRoutes();
  serveHealth(routes, checks, () => lifecycle.shuttingDown);
  serveMetrics(routes, module.name);
  const httpServer = http.createServer(routes.listener(logger));

  await startBackground(runtime, setup.background);
  await listen(httpServer, config.port, config.HOST);
  // Registered last so it runs first: probes see the worker go away before its consumers stop.
  lifecycle.onShutdown('http', async () => {
    httpServer.closeIdleConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });
  const url = `http://${config.HOST}:${config.port}`;
  logger.info({ url }, `${module.name} worker ready`);

  return { runtime, url, port: config.port, stop: () => lifecycle.shutdown('stop') };
}

/** Entry point helper: start the worker and stop it cleanly on SIGTERM/SIGINT. */
export function runWorker(module: WorkerModule): void {
  runMain(async () => {
    const running = await startWorker(module);
    running.runtime.lifecycle.listen();
  });
}
