import type { HttpRoutes } from './http/router.js';
import { sendJson } from './http/respond.js';

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
export function serveHealth(
  routes: HttpRoutes,
  checks: Record<string, HealthCheck>,
  isShuttingDown: () => boolean,
): void {
  routes.get('/health/live', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  routes.get('/health/ready', async (_req, res) => {
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
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : shuttingDown ? 'shutting-down' : 'not-ready',
      checks: results,
    });
  });
}
