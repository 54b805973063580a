import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startStack, type StackHandle } from '../../scripts/lib/stack.js';
import {
  collect,
  descendants,
  spawnTs,
  standaloneEnv,
  stillRunning,
  waitForOutput,
} from '../support/processes.js';

/**
 * Stopping leaves nothing behind: `npm start` on SIGTERM stops its services
 * and exits 0; the stack API's stop() does the same in process; and a
 * supervisor killed outright (no chance to clean up) does not leave orphans
 * holding ports.
 */

const started: ChildProcess[] = [];
let stack: StackHandle | null = null;

afterEach(async () => {
  await stack?.stop();
  stack = null;
  for (const child of started.splice(0)) {
    // Only reached when an assertion failed mid-test: clean up, never leak.
    for (const row of descendants(child.pid!)) process.kill(row.pid, 'SIGKILL');
    child.kill('SIGKILL');
  }
});

function startUserOnly(scope: string, portOffset: number, extra: Record<string, string> = {}) {
  const child = spawnTs(['scripts/start.ts', '--services', 'user', '--no-seed'], {
    ...standaloneEnv(scope, portOffset),
    ...extra,
  });
  started.push(child);
  return child;
}

describe('graceful shutdown', () => {
  it('npm start on SIGTERM stops every service gracefully, exits 0, leaves no process', async () => {
    // NODE_ENV=development is what `npm start` runs with (libraries behave differently under test).
    const child = startUserOnly('shutdown', 240, { NODE_ENV: 'development' });
    const result = collect(child, 60_000);
    await waitForOutput(child, /Ready: user http:\/\/localhost:4241\/graphql/);
    const spawned = descendants(child.pid!);
    // The compiled service (decision 16), not a loader running its TypeScript.
    expect(spawned.some((p) => /\/subgraphs\/user\/index\.js\b/.test(p.args))).toBe(true);
    expect(spawned.some((p) => /\btsx\b/.test(p.args) && /subgraphs\/user/.test(p.args))).toBe(
      false,
    );

    child.kill('SIGTERM');
    const { code, stdout, stderr } = await result;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/stopping \(SIGTERM\)/);
    expect(stdout).toMatch(/^stopped$/m);
    expect(stillRunning(spawned.map((p) => p.pid))).toEqual([]);
  }, 120_000);

  it('startStack().stop() stops its services with exit code 0', async () => {
    stack = await startStack({
      env: standaloneEnv('stack', 250),
      services: ['user'],
      logPrefix: false,
    });
    const [user] = stack.services;
    expect(user).toMatchObject({ name: 'user', port: 4251 });
    const health = await fetch(user!.healthUrl);
    expect(health.status).toBe(200);

    const exits = await stack.stop();
    stack = null;
    expect(exits).toEqual([{ name: 'user', code: 0, signal: null }]);
    expect(stillRunning([user!.pid])).toEqual([]);
  }, 120_000);

  // Outside NODE_ENV=test Apollo would install its own SIGTERM handler;
  // services turn it off so their ordered shutdown runs and exits 0.
  it('services stop with exit code 0 under NODE_ENV=development too', async () => {
    stack = await startStack({
      env: { ...standaloneEnv('stackdev', 250), NODE_ENV: 'development' },
      services: ['user'],
      logPrefix: false,
    });
    const exits = await stack.stop();
    stack = null;
    expect(exits).toEqual([{ name: 'user', code: 0, signal: null }]);
  }, 120_000);

  it('a service whose supervisor is killed outright shuts itself down', async () => {
    const child = startUserOnly('orphan', 260);
    await waitForOutput(child, /Ready: user/);
    const spawned = descendants(child.pid!);
    expect(spawned.length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (stillRunning(spawned.map((p) => p.pid)).length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stillRunning(spawned.map((p) => p.pid))).toEqual([]);
  }, 120_000);
});
