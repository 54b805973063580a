import type { Router, Request, Response } from 'express';
import express from 'express';

export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 1_500;

function withTimeout(check: HealthCheck): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
    check().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * `/health/live`: the process runs (restart it if not). `/health/ready`: every
 * dependency it needs answers, and it is not shutting down (send it traffic
 * only if so). Bodies name the failing dependency, never its address.
 */
export function healthRouter(
  checks: Record<string, HealthCheck>,
  isShuttingDown: () => boolean,
): Router {
  const router = express.Router();
  router.get('/health/live', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req: Request, res: Response) => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check);
          return [name, 'up'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    const results = Object.fromEntries(entries);
    const shuttingDown = isShuttingDown();
    const ready = !shuttingDown && entries.every(([, s]) => s === 'up');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : shuttingDown ? 'shutting-down' : 'not-ready',
      checks: results,
    });
  });
  return router;
}
