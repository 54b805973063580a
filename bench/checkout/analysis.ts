import type { PhaseRun } from './load.js';
import type { Outcome } from './outcomes.js';

/**
 * Turns a phase's raw records into its figures, and decides whether the
 * phase was sustained: the system kept up with the arrival rate instead of
 * queueing a growing backlog. A phase beyond capacity is not sustained, but
 * it can still be handled well: the excess refused at once (RATE_LIMITED,
 * admission control) while the orders admitted finish as fast as they are
 * admitted — `keptUpWithAdmitted`, as opposed to a collapse.
 */

export interface PhaseFigures {
  rate: number;
  seconds: number;
  sent: number;
  /** placeOrder answered with an order (admitted). */
  placed: number;
  /** Admitted per second over the schedule. */
  admittedPerSecond: number;
  /** Refused with RATE_LIMITED: nothing placed. */
  refused: number;
  /** How long a refusal took to come back. */
  refusedP50: number;
  refusedP99: number;
  /** Neither placed nor refused (transport errors, other GraphQL errors, user errors). */
  httpErrors: number;
  /** The errors by kind (status and codes), most frequent first, each with one full example. */
  errorKinds: Array<{ kind: string; count: number; example: string }>;
  confirmed: number;
  /** Cancelled OUT_OF_STOCK. */
  rejected: number;
  /** Cancelled for another reason (none expected: every card is pm_card_visa). */
  otherCancelled: number;
  /** Placed but no final state seen (when the drain timed out). */
  unfinished: number;
  /** placeOrder latency of the admitted calls. */
  httpP50: number;
  httpP99: number;
  /** placeOrder sent → CONFIRMED received on the subscription. */
  confirmP50: number;
  confirmP99: number;
  confirmMax: number;
  /** placeOrder sent → CANCELLED OUT_OF_STOCK received. */
  rejectP50: number;
  /** Final states per second over the second half of the schedule (confirmed / all). */
  confirmationsPerSecond: number;
  finishedPerSecond: number;
  /** Sent but not finished, when the schedule ended, and its growth over the second half. */
  backlogAtEnd: number;
  backlogGrowth: number;
  /** Schedule end → last order finished; null when it never did within the timeout. */
  drainMs: number | null;
  /** How late the generator sent, vs the schedule (it must stay ≈ 0 for open-loop figures to hold). */
  sendLagP99: number;
  sustained: boolean;
  /** Admitted orders finished at the rate they were admitted (whatever was refused), with few errors. */
  keptUpWithAdmitted: boolean;
  /** Why not, when not. */
  verdict: string;
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
    : Number.NaN;

const sortedOf = (values: number[]) => values.sort((a, b) => a - b);

/** Fraction of the arrival rate the second half must finish, and backlog growth allowed (in seconds of arrivals). */
export const KEEP_UP = 0.95;
export const GROWTH_SECONDS = 0.5;
export const MAX_ERROR_RATE = 0.001;

export function analysePhase(run: PhaseRun, outcomes: ReadonlyMap<string, Outcome>): PhaseFigures {
  const end = run.start + run.seconds * 1000;
  const mid = run.start + (run.seconds * 1000) / 2;
  const httpLatencies: number[] = [];
  const confirmLatencies: number[] = [];
  const rejectLatencies: number[] = [];
  let placed = 0;
  let confirmed = 0;
  let rejected = 0;
  let otherCancelled = 0;
  let unfinished = 0;
  let confirmedLate = 0;
  let finishedLate = 0;
  let backlogAtMid = 0;
  let backlogAtEnd = 0;
  let admittedLate = 0;
  const errorKinds = new Map<string, { kind: string; count: number; example: string }>();
  const sendLags: number[] = [];
  const refusedLatencies: number[] = [];

  for (const order of run.orders) {
    sendLags.push(order.sentAt - order.scheduledAt);
    const answerMs = order.answeredAt === null ? null : order.answeredAt - order.sentAt;
    if (order.refused) {
      if (answerMs !== null) refusedLatencies.push(answerMs);
      continue;
    }
    if (!order.orderId) {
      const kind = order.errorKind ?? 'unknown';
      const seen = errorKinds.get(kind) ?? { kind, count: 0, example: order.error ?? '' };
      seen.count += 1;
      errorKinds.set(kind, seen);
      continue;
    }
    if (answerMs !== null) httpLatencies.push(answerMs);
    placed += 1;
    if (order.sentAt > mid && order.sentAt <= end) admittedLate += 1;
    const outcome = outcomes.get(order.orderId);
    const finishedAt = outcome?.at ?? Number.POSITIVE_INFINITY;
    if (order.sentAt <= mid && finishedAt > mid) backlogAtMid += 1;
    if (order.sentAt <= end && finishedAt > end) backlogAtEnd += 1;
    if (!outcome) {
      unfinished += 1;
      continue;
    }
    const latency = outcome.at - order.sentAt;
    const late = outcome.at > mid && outcome.at <= end;
    if (late) finishedLate += 1;
    if (outcome.status === 'CONFIRMED') {
      confirmed += 1;
      confirmLatencies.push(latency);
      if (late) confirmedLate += 1;
    } else if (outcome.reason === 'OUT_OF_STOCK') {
      rejected += 1;
      rejectLatencies.push(latency);
    } else {
      otherCancelled += 1;
    }
  }

  const half = run.seconds / 2;
  const sent = run.orders.length;
  const refused = refusedLatencies.length;
  const httpErrors = sent - placed - refused;
  const finishedPerSecond = finishedLate / half;
  const admittedLateRate = admittedLate / half;
  const backlogGrowth = backlogAtEnd - backlogAtMid;
  const drainMs = run.drainedAt === null ? null : Math.max(0, run.drainedAt - end);
  const http = sortedOf(httpLatencies);
  const refusedSorted = sortedOf(refusedLatencies);
  const confirm = sortedOf(confirmLatencies);

  const failures: string[] = [];
  if (httpErrors > sent * MAX_ERROR_RATE) failures.push(`${httpErrors} placeOrder errors`);
  if (refused > sent * MAX_ERROR_RATE) {
    failures.push(`${refused} refused (${((100 * refused) / sent).toFixed(0)} %)`);
  }
  if (finishedPerSecond < run.rate * KEEP_UP) {
    failures.push(
      `finished ${finishedPerSecond.toFixed(0)}/s < ${KEEP_UP * 100}% of ${run.rate}/s`,
    );
  }
  if (backlogGrowth > Math.max(10, run.rate * GROWTH_SECONDS)) {
    failures.push(`backlog grew by ${backlogGrowth} in the second half`);
  }
  if (drainMs === null) failures.push(`${unfinished} orders never finished`);
  // The same tests against what was admitted instead of what arrived.
  const keptUpWithAdmitted =
    httpErrors <= sent * MAX_ERROR_RATE &&
    finishedPerSecond >= admittedLateRate * KEEP_UP &&
    backlogGrowth <= Math.max(10, admittedLateRate * GROWTH_SECONDS) &&
    drainMs !== null;

  return {
    rate: run.rate,
    seconds: run.seconds,
    sent,
    placed,
    admittedPerSecond: placed / run.seconds,
    refused,
    refusedP50: percentile(refusedSorted, 50),
    refusedP99: percentile(refusedSorted, 99),
    httpErrors,
    errorKinds: [...errorKinds.values()].sort((a, b) => b.count - a.count),
    confirmed,
    rejected,
    otherCancelled,
    unfinished,
    httpP50: percentile(http, 50),
    httpP99: percentile(http, 99),
    confirmP50: percentile(confirm, 50),
    confirmP99: percentile(confirm, 99),
    confirmMax: confirm.at(-1) ?? Number.NaN,
    rejectP50: percentile(sortedOf(rejectLatencies), 50),
    confirmationsPerSecond: confirmedLate / half,
    finishedPerSecond,
    backlogAtEnd,
    backlogGrowth,
    drainMs,
    sendLagP99: percentile(sortedOf(sendLags), 99),
    sustained: failures.length === 0,
    keptUpWithAdmitted,
    verdict: failures.length ? failures.join('; ') : 'sustained',
  };
}
