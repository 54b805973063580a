import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEventProducer } from './events/producer.js';
import { createKafka } from './kafka.js';

/** A logger that keeps what it writes, parsed. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  return { logger, lines };
}

describe('kafkajs logs', () => {
  it("keeps the idempotent producer's bounded-retries warning out of the warnings", () => {
    const { logger, lines } = capturingLogger();
    const kafka = createKafka({
      brokers: 'localhost:9092',
      clientId: 'log-test',
      topicPrefix: 'log-test.',
      logger,
    });
    createEventProducer(kafka);
    const said = lines.filter((l) => l.msg.startsWith('Limiting retries for the idempotent'));
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe(pino.levels.values.debug);
  });

  it('still passes on warnings that are not routine', () => {
    const { logger, lines } = capturingLogger();
    const kafka = createKafka({
      brokers: 'localhost:9092',
      clientId: 'log-test',
      topicPrefix: 'log-test.',
      logger,
    });
    // A producer left on kafkajs' default partitioner is warned about (once per process).
    kafka.producer();
    const warnings = lines.filter((l) => l.level === pino.levels.values.warn);
    expect(warnings.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('switched default partitioner'),
    );
  });
});
