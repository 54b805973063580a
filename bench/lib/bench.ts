/**
 * What a benchmark in `npm run bench` is: a name (the CLI argument and the
 * BENCHMARKS.md section), a title, and a run that measures, prints as it
 * goes, and returns its section (tables, goals with met / not met, notes).
 */
export interface BenchResult {
  /** Markdown for BENCHMARKS.md, without the heading or stamp. */
  markdown: string;
  /** One line per goal for the console summary, e.g. "ours / vanilla 2.3× (goal ≥ 2×): met". */
  summary: string[];
}

export interface Bench {
  name: string;
  title: string;
  /** Whether it needs Kafka (the runner starts it, as `npm start` does, if needed). */
  needsKafka: boolean;
  run(): Promise<BenchResult>;
}
