import { describe, expect, it } from 'vitest';
import { freePort, runTs, standaloneEnv } from '../support/processes.js';

/**
 * A misconfigured or unreachable dependency stops start-up with one line an
 * operator can act on, exit code 1, no stack trace, and quickly: never a hang.
 */

const USER_ENTRY = 'subgraphs/user/index.ts';
const START = 'scripts/start.ts';

function env(overrides: Record<string, string>): Record<string, string> {
  return { ...standaloneEnv('config', 230), ...overrides };
}

/** stderr's non-empty lines. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '');

function expectOneClearLine(result: { code: number | null; stderr: string }, pattern: RegExp) {
  const lines = errorLines(result.stderr);
  expect(result.code, result.stderr).toBe(1);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('a service with bad configuration', () => {
  it('refuses a port that is not a number, naming the variable', async () => {
    const result = await runTs([USER_ENTRY], env({ USER_PORT: 'abc' }));
    expectOneClearLine(result, /^configuration error: USER_PORT must be a port number/);
  });

  it('refuses a DATABASE_URL that is not a URL, naming the variable', async () => {
    const result = await runTs([USER_ENTRY], env({ DATABASE_URL: 'nope' }));
    expectOneClearLine(result, /^configuration error: DATABASE_URL /);
  });

  it('says PostgreSQL is unreachable, and how to start it, within seconds', async () => {
    const closed = await freePort();
    const result = await runTs(
      [USER_ENTRY],
      env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/ecommerce` }),
    );
    expectOneClearLine(
      result,
      new RegExp(
        `^PostgreSQL at 127\\.0\\.0\\.1:${closed} is unreachable \\(ECONNREFUSED\\); start it`,
      ),
    );
    // A bound on hanging, not a speed target: loading the code alone can take
    // several seconds on a busy 2-core machine; a hang would run to the timeout.
    expect(result.ms).toBeLessThan(30_000);
  });
});

describe('npm start with bad configuration', () => {
  it('stops before starting anything when a variable is malformed', async () => {
    const result = await runTs([START, '--no-seed'], env({ USER_PORT: 'abc' }));
    expectOneClearLine(result, /^configuration error: USER_PORT must be a port number/);
    expect(result.stdout).toBe('');
  });

  it('says PostgreSQL is unreachable in one line and exits', async () => {
    const closed = await freePort();
    const result = await runTs(
      [START, '--no-seed'],
      env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/ecommerce` }),
    );
    expectOneClearLine(result, /^PostgreSQL at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
    expect(result.ms).toBeLessThan(15_000);
  });

  it('says Redis is unreachable in one line, with how to start it, and exits', async () => {
    const closed = await freePort();
    const result = await runTs(
      [START, '--no-seed'],
      env({ REDIS_URL: `redis://127.0.0.1:${closed}` }),
    );
    expectOneClearLine(
      result,
      /^Redis at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\); start it with: redis-server --daemonize yes/,
    );
    expect(result.ms).toBeLessThan(15_000);
  });

  it('rejects an unknown service name', async () => {
    const result = await runTs([START, '--services', 'usr'], env({}));
    expectOneClearLine(result, /^unknown service usr; usage: npm start/);
  });
});
