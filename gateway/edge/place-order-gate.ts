import { placeOrderRefusal } from './admission-hold.js';

/**
 * At most `limit` placeOrder operations forwarded at once by one gateway;
 * the next ones wait their turn for up to `maxWaitMs`, then are refused with
 * RATE_LIMITED. The order service's own admission control (decision 14) sees
 * only the requests it has parsed: past a certain arrival rate on a small
 * machine, requests queue in front of it (its HTTP server, its event loop)
 * until the gateway's timeout, and every one of them fails. Bounding what is
 * in flight here keeps that queue short, so admitted orders finish and the
 * excess is answered at once. A burst (a hundred simultaneous orders) waits
 * a moment instead of being refused.
 *
 * Under a steady excess the queue itself must stay short too: had every
 * arrival joined it, each would wait the whole `maxWaitMs` before its refusal
 * (the checkout benchmark at 400 orders/s: refusals took 8 s plus, thousands
 * of requests held open in the gateway). So while the longest waiting has
 * waited more than `queueAgeMs`, the queue is not draining as fast as it
 * fills, and a newcomer is refused at once; those already queued keep their turn.
 */
export class PlaceOrderGate {
  private active = 0;
  private readonly waiting: Array<{ admit: () => void; since: number }> = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaitMs: number,
    private readonly queueAgeMs = Math.min(2_000, maxWaitMs),
  ) {}

  /** Resolves once a slot is held (call `leave` after); rejects with RATE_LIMITED after the wait. */
  enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    const now = performance.now();
    const oldest = this.waiting[0];
    if (oldest && now - oldest.since > this.queueAgeMs) {
      return Promise.reject(placeOrderRefusal(1));
    }
    return new Promise((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
        since: now,
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(placeOrderRefusal(1));
      }, this.maxWaitMs);
      this.waiting.push(entry);
    });
  }

  /** Frees a slot: handed straight to the longest waiting, if any. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.active -= 1;
  }

  get inFlight(): number {
    return this.active;
  }
}
