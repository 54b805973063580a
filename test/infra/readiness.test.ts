import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type StackHandle } from '../../scripts/lib/stack.js';
import { standaloneEnv } from '../support/processes.js';

/**
 * `/health/ready` follows PostgreSQL: a subgraph whose database connection
 * goes through a TCP proxy this test controls reports `postgres: down` (503)
 * while the proxy is closed, and ready (200) again once it reopens, without
 * a restart.
 */

/** A TCP proxy to PostgreSQL that can be cut (dropping live connections) and restored. */
class Proxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function readiness(url: string): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { checks: Record<string, string> };
  return { status: res.status, checks: body.checks };
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

describe('readiness follows PostgreSQL', () => {
  const env = standaloneEnv('ready', 270);
  const target = new URL(env.DATABASE_URL!);
  const proxy = new Proxy(target.hostname, Number(target.port || 5432));
  let stack: StackHandle;
  let healthUrl = '';

  beforeAll(async () => {
    await proxy.open();
    const viaProxy = new URL(env.DATABASE_URL!);
    viaProxy.port = String(proxy.port);
    stack = await startStack({
      env: { ...env, DATABASE_URL: viaProxy.toString() },
      services: ['user'],
      logPrefix: false,
    });
    healthUrl = stack.services[0]!.healthUrl;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await proxy.close();
  });

  it('is ready while the database answers', async () => {
    expect(await readiness(healthUrl)).toMatchObject({ status: 200, checks: { postgres: 'up' } });
  });

  it('answers 503 with postgres down when the database goes away', async () => {
    await proxy.close();
    const seen = await eventually(
      () => readiness(healthUrl),
      (r) => r.status === 503,
    );
    expect(seen).toMatchObject({ status: 503, checks: { postgres: 'down' } });
  }, 60_000);

  it('is ready again once the database is back, without a restart', async () => {
    await proxy.open();
    const seen = await eventually(
      () => readiness(healthUrl),
      (r) => r.status === 200,
    );
    expect(seen).toMatchObject({ status: 200, checks: { postgres: 'up' } });
  }, 60_000);
});
