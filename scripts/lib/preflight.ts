import { loadGatewayConfig, loadSubgraphConfig, loadWorkerConfig } from '../../platform/config.js';
import { checkPostgres, checkRedis, ensureKafka, type LineSink } from './infra.js';
import { addressOf, isWorker, type StackService } from './stack.js';

/**
 * Everything `npm start` and `npm test` do before spawning a service, in the
 * same order, so that a test run sets up exactly what a developer's stack
 * does: configuration first (cheap, and the commonest mistake), then Kafka
 * (started if needed), then the PostgreSQL servers and Redis the services
 * will use.
 */
export interface PreflightOptions {
  env: NodeJS.ProcessEnv;
  services: readonly StackService[];
  onLine?: LineSink;
  /** See ensureKafka: lets the caller stop a broker it caused to start. */
  onKafkaLaunch?: () => void;
}

export async function preflight(options: PreflightOptions): Promise<{ kafkaStarted: boolean }> {
  const env = { ...process.env, ...options.env };
  const onLine = options.onLine ?? ((line: string) => console.log(line));
  // Parsing every service's configuration up front: a bad variable stops
  // start-up with its one line before anything is started.
  for (const service of options.services) addressOf(service, env);
  const subgraphs = options.services.filter((s) => s !== 'gateway' && !isWorker(s));
  const base = subgraphs.length
    ? loadSubgraphConfig(subgraphs[0]!, env)
    : { ...loadGatewayConfig(env), databaseUrl: null };

  const kafka = await ensureKafka(env, onLine, options.onKafkaLaunch);

  // One check per distinct server (a service may have its own <SERVICE>_DATABASE_URL).
  const servers = new Map<string, string>();
  for (const service of options.services.filter((s) => s !== 'gateway')) {
    const url = isWorker(service)
      ? loadWorkerConfig(service, env).databaseUrl
      : loadSubgraphConfig(service, env).databaseUrl;
    const { host, port } = new URL(url);
    servers.set(`${host}:${port}`, url);
  }
  await Promise.all([...servers.values()].map((url) => checkPostgres(url)));
  await checkRedis(base.REDIS_URL);
  return { kafkaStarted: kafka.started };
}
