import { collectDefaultMetrics, register } from 'prom-client';
import type { HttpRoutes } from './http/router.js';
import { send } from './http/respond.js';

let defaultsCollected = false;

/** Prometheus exposition at `/metrics`; every series carries the service label. */
export function serveMetrics(routes: HttpRoutes, service: string): void {
  if (!defaultsCollected) {
    register.setDefaultLabels({ service });
    collectDefaultMetrics();
    defaultsCollected = true;
  }
  routes.get('/metrics', async (_req, res) => {
    send(res, 200, await register.metrics(), { 'content-type': register.contentType });
  });
}

export { register as metricsRegistry };
