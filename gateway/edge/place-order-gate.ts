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
 */
export class PlaceOrderGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Resolves once a slot is held (call `leave` after); rejects with RATE_LIMITED after the wait. */
  enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(admit);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(placeOrderRefusal(1));
      }, this.maxWaitMs);
      this.waiting.push(admit);
    });
  }

  /** Frees a slot: handed straight to the longest waiting, if any. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  get inFlight(): number {
    return this.active;
  }
}
