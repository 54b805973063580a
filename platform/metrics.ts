import { collectDefaultMetrics, register } from 'prom-client';
import type { HttpRoutes } from './http/router.js';
import { send } from './http/respond.js';

let defaultsCollected = false;

/**
 * Prometheus exposition at `/metrics`; every series carries the service
 * label. `source` replaces this process's own series (a gateway worker
 * answers for all workers); when it fails the scrape gets a 503, not a
 * partial answer.
 */
export function serveMetrics(
  routes: HttpRoutes,
  service: string,
  source: () => Promise<string> = () => register.metrics(),
): void {
  if (!defaultsCollected) {
    register.setDefaultLabels({ service });
    // The event-loop delay histogram samples every 100 ms, not every 10 (the
    // default): each sample wakes the process, and at 10 ms that cost every
    // idle service ~1 % of a core. A stall still shows in full; only loops
    // late by a few milliseconds are seen less often.
    collectDefaultMetrics({ eventLoopMonitoringPrecision: 100 });
    defaultsCollected = true;
  }
  routes.get('/metrics', async (_req, res) => {
    let text: string;
    try {
      text = await source();
    } catch {
      send(res, 503, 'metrics unavailable\n', { 'content-type': 'text/plain; charset=utf-8' });
      return;
    }
    send(res, 200, text, { 'content-type': register.contentType });
  });
}

export { register as metricsRegistry };
