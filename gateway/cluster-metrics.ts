import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';

type Aggregator = AggregatorRegistry<PrometheusContentType>;

/**
 * `/metrics` of a gateway run as workers (GATEWAY_WORKERS > 1) answers for
 * all of them: whichever worker a scrape reaches asks the supervisor, which
 * collects every worker's series over the cluster channel and sums them
 * (prom-client's AggregatorRegistry; gauges that must not add up say how to
 * combine). A worker answering for itself alone would give Prometheus a
 * different process on each scrape: counters that jump back and forth.
 */

const REQUEST = 'gateway:metrics-request';
const ANSWER = 'gateway:metrics';
/** Longer than the collection's own 5 s limit in prom-client. */
const ANSWER_TIMEOUT_MS = 6_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** Supervisor side: answers each worker's requests with every worker's metrics. */
export function answerMetricsRequests(worker: Worker, aggregator: Aggregator): void {
  worker.on('message', (message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (answer: Omit<MetricsAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text: string) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/** The supervisor's collector; also what lets workers answer its collection requests. */
export function createAggregator(): Aggregator {
  return new AggregatorRegistry<PrometheusContentType>();
}

/** Worker side: every worker's metrics, as the supervisor sums them. */
export function clusterMetrics(): () => Promise<string> {
  // In a worker, constructing one installs prom-client's answer to the supervisor's requests.
  createAggregator();
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsAnswer>(message, ANSWER)) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.text !== undefined) waiting.resolve(message.text);
    else waiting.reject(new Error(`cluster metrics: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the supervisor did not answer'));
      }, ANSWER_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
