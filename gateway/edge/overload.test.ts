import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';
import { HttpRoutes } from '../../platform/http/router.js';
import { sendJson } from '../../platform/http/respond.js';
import { EventLoopLag, shedWhenOverloaded } from './overload.js';

function blockLoop(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: what a gateway with a queue of requests does to its timers.
  }
}

describe('event loop lag', () => {
  it('reports overload once the loop runs later than allowed, and recovers when it keeps time', async () => {
    const lag = new EventLoopLag(150, 20);
    lag.start();
    try {
      await sleep(60);
      expect(lag.overloaded).toBe(false);
      blockLoop(300);
      // The overdue sample fires before this later timer.
      await sleep(1);
      expect(lag.overloaded).toBe(true);
      expect(lag.delayMs).toBeGreaterThan(150);
      await sleep(100);
      expect(lag.overloaded).toBe(false);
    } finally {
      lag.stop();
    }
  });
});

describe('load shedding', () => {
  const state = { overloaded: false };
  let served = 0;
  let shed = 0;
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    const routes = new HttpRoutes().all(
      '/graphql',
      shedWhenOverloaded(
        state,
        (_req, res) => {
          served += 1;
          sendJson(res, 200, { data: { ok: true } });
        },
        () => (shed += 1),
      ),
    );
    server = http.createServer(routes.listener(createLogger('overload-test', 'silent')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = () =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ok }' }),
    });

  it('refuses new requests with 429 RATE_LIMITED and Retry-After while overloaded, without serving them', async () => {
    state.overloaded = true;
    const res = await post();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      errors: [
        {
          message: 'The gateway is overloaded; retry in 1 s',
          extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
        },
      ],
    });
    expect(served).toBe(0);
    expect(shed).toBe(1);
  });

  it('serves requests again as soon as the loop keeps time', async () => {
    state.overloaded = false;
    const res = await post();
    expect(res.status).toBe(200);
    expect(served).toBe(1);
  });
});
