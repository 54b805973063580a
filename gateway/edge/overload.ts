import type { RouteHandler } from '../../platform/http/router.js';
import { sendJson } from '../../platform/http/respond.js';

/**
 * How late the event loop runs: a timer due every `intervalMs` measures by
 * how much it fired late. A gateway offered more requests than its core can
 * serve queues them all on its event loop; every one then waits for all the
 * others, the loop runs seconds late, and clients time out or see their
 * connections reset with nothing answered.
 */
export class EventLoopLag {
  private timer: NodeJS.Timeout | null = null;
  private lastMs = 0;

  constructor(
    private readonly maxDelayMs: number,
    private readonly intervalMs = 200,
  ) {}

  /** The delay of the last sample, in ms. */
  delayMs = 0;

  /** True while the last sample ran later than the allowed delay. */
  get overloaded(): boolean {
    return this.delayMs > this.maxDelayMs;
  }

  start(): void {
    if (this.timer) return;
    this.lastMs = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.delayMs = Math.max(0, now - this.lastMs - this.intervalMs);
      this.lastMs = now;
    }, this.intervalMs);
    // Never what keeps a stopping process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.delayMs = 0;
  }
}

/**
 * Load shedding (decision 23): while the loop runs later than allowed, a new
 * request is answered at once with 429 RATE_LIMITED and Retry-After, before
 * its body is read or parsed. Refusing costs microseconds, so the queue
 * drains and the requests already admitted finish; a client learns to come
 * back instead of waiting for a reset. Health and metrics stay served.
 */
export function shedWhenOverloaded(
  lag: Pick<EventLoopLag, 'overloaded'>,
  handler: RouteHandler,
  onShed: () => void = () => undefined,
): RouteHandler {
  return (req, res) => {
    if (!lag.overloaded) return handler(req, res);
    onShed();
    sendJson(
      res,
      429,
      {
        errors: [
          {
            message: 'The gateway is overloaded; retry in 1 s',
            extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
          },
        ],
      },
      { 'retry-after': '1' },
    );
  };
}
