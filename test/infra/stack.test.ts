import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStack, StackStartError } from '../../scripts/lib/stack.js';
import { freePort, standaloneEnv } from '../support/processes.js';

/** startStack's failure modes: quick, and saying why. */
describe('startStack', () => {
  it('fails fast with the last lines of a service that exits during start-up', async () => {
    const closed = await freePort();
    const started = Date.now();
    const failure = await startStack({
      env: {
        ...standaloneEnv('stackfail', 280),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/ecommerce`,
      },
      services: ['user'],
      logPrefix: false,
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StackStartError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^user exited during start-up \(code 1\); last lines:/);
    expect(message).toContain(`PostgreSQL at 127.0.0.1:${closed} is unreachable`);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('refuses to start on a port something else already listens on, naming the variable', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(4291, '127.0.0.1', resolve));
    try {
      const env = { ...standaloneEnv('stackport', 290) };
      await expect(startStack({ env, services: ['user'], logPrefix: false })).rejects.toThrow(
        /^port 4291 \(user\) is already in use on 127\.0\.0\.1; stop whatever listens there or set USER_PORT$/,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
