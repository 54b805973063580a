import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEventProducer } from './events/producer.js';
import { createKafka } from './kafka.js';

/** A client (no connection opened) whose log lines are kept, parsed. */
function kafkaKeepingLogs() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  const kafka = createKafka({
    brokers: 'localhost:9092',
    clientId: 'log-test',
    topicPrefix: 'log-test.',
    logger,
  });
  return { kafka, lines };
}

describe('kafkajs logs', () => {
  it("keeps the idempotent producer's bounded-retries warning out of the warnings", () => {
    const { kafka, lines } = kafkaKeepingLogs();
    createEventProducer(kafka);
    const said = lines.filter((l) => l.msg.startsWith('Limiting retries for the idempotent'));
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe(pino.levels.values.debug);
  });

  it('logs a partition leader moving (a topic just created) at debug, not as an error', () => {
    const { kafka, lines } = kafkaKeepingLogs();
    kafka.logger().error('Response ListOffsets(key: 2, version: 3)', {
      error: 'This server is not the leader for that topic-partition',
    });
    kafka.logger().error('Response Fetch(key: 1, version: 11)', { error: 'Not authorized' });
    expect(lines.map((l) => [l.msg.slice(0, 17), l.level])).toEqual([
      ['Response ListOffs', pino.levels.values.debug],
      ['Response Fetch(ke', pino.levels.values.error],
    ]);
  });

  it('still passes on warnings that are not routine', () => {
    const { kafka, lines } = kafkaKeepingLogs();
    // A producer left on kafkajs' default partitioner is warned about (once per process).
    kafka.producer();
    const warnings = lines.filter((l) => l.level === pino.levels.values.warn);
    expect(warnings.map((l) => l.msg)).toContainEqual(
      expect.stringContaining('switched default partitioner'),
    );
  });
});
