import express, { type Router } from 'express';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultsCollected = false;

/** Prometheus exposition at `/metrics`; every series carries the service label. */
export function metricsRouter(service: string): Router {
  if (!defaultsCollected) {
    register.setDefaultLabels({ service });
    collectDefaultMetrics();
    defaultsCollected = true;
  }
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', register.contentType);
    res.send(await register.metrics());
  });
  return router;
}

export { register as metricsRegistry };
