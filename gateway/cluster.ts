import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../platform/logger.js';
import { answerMetricsRequests, createAggregator } from './cluster-metrics.js';

/**
 * GATEWAY_WORKERS > 1: this process becomes a supervisor of that many gateway
 * processes sharing its port (Node's cluster: the supervisor accepts and hands
 * connections round-robin). The gateway is CPU-bound JavaScript on one thread;
 * workers let one instance use every core it is given. The supervisor serves
 * nothing itself: it starts the workers, replaces one that dies, sums their
 * metrics for whichever worker a scrape reaches (cluster-metrics.ts), and on
 * SIGTERM/SIGINT asks each to shut down gracefully and exits when all have.
 */

/** Messages between supervisor and worker over the cluster IPC channel. */
export const WORKER_READY = 'gateway:ready';
export const WORKER_SHUTDOWN = 'gateway:shutdown';

const RESTART_DELAY_MS = 1_000;
/** After the workers' own shutdown timeout, how long before they are killed. */
const KILL_GRACE_MS = 2_000;

export function superviseWorkers(count: number, shutdownTimeoutMs: number, logger: Logger): void {
  let stopping = false;
  let exitCode = 0;
  const aggregator = createAggregator();

  const fork = (): Worker => {
    const worker = cluster.fork();
    answerMetricsRequests(worker, aggregator);
    let ready = false;
    worker.on('message', (message) => {
      if (message === WORKER_READY) ready = true;
    });
    worker.on('exit', (code, signal) => {
      if (code) exitCode = 1;
      if (stopping) return;
      if (!ready) {
        // It never started (bad configuration, unreachable dependency): restarting
        // would loop; fail like a single-process gateway would.
        logger.fatal({ code, signal }, 'a gateway worker failed to start; stopping');
        stop('worker start-up failure');
        return;
      }
      logger.error(
        { code, signal, pid: worker.process.pid },
        'a gateway worker died; replacing it',
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_DELAY_MS);
    });
    return worker;
  };

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, workers: live().length }, 'stopping gateway workers');
    for (const worker of live()) {
      if (worker.isConnected()) worker.send(WORKER_SHUTDOWN);
    }
    const deadline = setTimeout(() => {
      logger.error('gateway workers did not stop in time; killing them');
      for (const worker of live()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, shutdownTimeoutMs + KILL_GRACE_MS);
    deadline.unref();
    const check = () => {
      if (live().length === 0) process.exit(exitCode);
    };
    cluster.on('exit', check);
    check();
  };

  process.on('SIGTERM', () => (stopping ? forceExit() : stop('SIGTERM')));
  process.on('SIGINT', () => (stopping ? forceExit() : stop('SIGINT')));
  const forceExit = () => {
    logger.warn('second signal: killing gateway workers now');
    for (const worker of live()) worker.process.kill('SIGKILL');
    process.exit(1);
  };

  logger.info({ workers: count }, 'starting gateway workers');
  for (let i = 0; i < count; i += 1) fork();
}
