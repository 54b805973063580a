import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  MyOrderUpdatesDocument,
  type MyOrderUpdatesSubscription,
} from '../../client/__generated__/graphql.js';
import type { BenchCustomer } from './fixtures.js';

/**
 * How the benchmark sees an order finish: through the gateway's
 * `myOrderUpdates` subscription, one graphql-ws connection per customer,
 * opened before any order is placed. Per order it keeps the first time a
 * final state (CONFIRMED, or CANCELLED with its reason) arrived.
 *
 * `myOrderUpdates` rather than `orderUpdated`: it is opened once, before
 * the phase, so subscribing costs nothing inside the measured window and no
 * event can slip past a subscription opened only after placeOrder answered
 * (`orderUpdated` needs the order id first, and costs an extra resolution
 * of the current state per order).
 */

export interface Outcome {
  status: 'CONFIRMED' | 'CANCELLED';
  reason: string | null;
  /** Epoch ms (sub-millisecond) when the client received it. */
  at: number;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with Date.now() and database timestamps. */
export const now = () => performance.timeOrigin + performance.now();

export class OutcomeTracker {
  readonly outcomes = new Map<string, Outcome>();
  /** Updates received (every version, final or not). */
  updates = 0;
  errors: string[] = [];
  private readonly clients: Client[] = [];
  private readonly listeners = new Set<(orderId: string, outcome: Outcome) => void>();

  constructor(private readonly wsUrl: string) {}

  /** Opens one connection and subscription per customer; resolves once every socket is connected. */
  async open(customers: readonly BenchCustomer[]): Promise<void> {
    const query = print(MyOrderUpdatesDocument);
    await Promise.all(
      customers.map(
        (customer) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: this.wsUrl,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${customer.token}` },
              retryAttempts: 0,
              lazy: false,
              onNonLazyError: (err) => reject(new Error(`subscription socket: ${String(err)}`)),
              on: { connected: () => resolve() },
            });
            this.clients.push(client);
            client.subscribe<MyOrderUpdatesSubscription>(
              { query },
              {
                next: ({ data, errors }) => {
                  if (errors?.length) this.errors.push(JSON.stringify(errors));
                  if (data) this.receive(data.myOrderUpdates);
                },
                error: (err) => this.errors.push(`subscription ended: ${JSON.stringify(err)}`),
                complete: () => this.errors.push('subscription completed unexpectedly'),
              },
            );
          }),
      ),
    );
  }

  /** Called with each order's first final state as it arrives. */
  onOutcome(listener: (orderId: string, outcome: Outcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(order: MyOrderUpdatesSubscription['myOrderUpdates']): void {
    const at = now();
    this.updates += 1;
    if (order.status !== 'CONFIRMED' && order.status !== 'CANCELLED') return;
    if (this.outcomes.has(order.id)) return;
    const outcome: Outcome = { status: order.status, reason: order.statusReason, at };
    this.outcomes.set(order.id, outcome);
    for (const listener of this.listeners) listener(order.id, outcome);
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.dispose()));
  }
}
