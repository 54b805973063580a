import './flat-federation.js';
import cluster from 'node:cluster';
import { loadGatewayConfig } from '../platform/config.js';
import { runMain } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { superviseWorkers, WORKER_READY, WORKER_SHUTDOWN } from './cluster.js';
import { startGateway, type RunningGateway } from './server.js';

runMain(async () => {
  const config = loadGatewayConfig();
  if (config.GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    const logger = createLogger('gateway', config.LOG_LEVEL).child({ role: 'supervisor' });
    superviseWorkers(config.GATEWAY_WORKERS, config.SHUTDOWN_TIMEOUT, logger);
    return;
  }
  if (!cluster.isWorker) {
    (await startGateway()).lifecycle.listen();
    return;
  }
  // A worker stops when its supervisor says so. Signals sent to the whole process
  // group (a terminal's Ctrl-C, a group kill) reach the supervisor too, which
  // then asks every worker: acting on both would count as a second, forcing signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => {});
  let gateway: RunningGateway | null = null;
  process.on('message', (message) => {
    if (message !== WORKER_SHUTDOWN) return;
    // Asked to stop while still starting: nothing is served yet, nothing to drain.
    if (!gateway) process.exit(0);
    if (gateway.lifecycle.shuttingDown) return;
    void gateway.lifecycle.shutdown('supervisor').then((code) => process.exit(code));
  });
  gateway = await startGateway();
  process.send?.(WORKER_READY);
});
