import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Admin, Consumer, EachMessagePayload } from 'kafkajs';
import type { GatewayConfig } from '../../platform/config.js';
import { parseEnvelope, topicOf } from '../../platform/events/contracts.js';
import { createKafka, ensureTopics, topicName } from '../../platform/kafka.js';
import type { Logger } from '../../platform/logger.js';
import type { OrderChange } from './order-feed.js';
import { subscriptionEventDelay } from './metrics.js';

/**
 * The order lifecycle events, read by this gateway instance alone: its own
 * consumer group (a fresh one per start, from the latest offset), so every
 * gateway running side by side sees every event and fans it out to its own
 * subscribers. The gateway has no database, so this is a plain consumer: no
 * inbox (a redelivered event is harmless, the streams drop versions they
 * have). The group is deleted on shutdown.
 *
 * Payment events are not read: a payment change does not raise the order's
 * version, and the contract streams versions, never one twice.
 */

const RETRY_MS = 1_000;

export class OrderEventSource {
  readonly groupId: string;
  private readonly topic: string;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly logger: Logger;
  private stopped = false;
  private starting: Promise<void> | null = null;
  /** Joined the group and completed a fetch since: offsets are resolved, nothing is missed from here. */
  private caughtUp = false;

  constructor(
    config: GatewayConfig,
    logger: Logger,
    private readonly onChange: (change: OrderChange) => void,
  ) {
    this.logger = logger.child({ component: 'order-events' });
    this.topic = topicName(config.KAFKA_TOPIC_PREFIX, topicOf('order'));
    this.groupId = topicName(
      config.KAFKA_TOPIC_PREFIX,
      `gateway-${hostname()}-${config.GATEWAY_PORT}-${randomUUID().slice(0, 8)}`,
    );
    const kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: 'gateway',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      logger,
    });
    this.admin = kafka.admin();
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      // Short fetch waits: readiness needs one completed fetch, and idle fetches are cheap.
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { restartOnFailure: async () => !this.stopped },
    });
    const { GROUP_JOIN, FETCH, CRASH, DISCONNECT, STOP } = this.consumer.events;
    let joined = false;
    this.consumer.on(GROUP_JOIN, (event) => {
      joined = true;
      this.caughtUp = false;
      this.logger.info(
        { groupId: this.groupId, partitions: event.payload.memberAssignment },
        'joined the consumer group',
      );
    });
    this.consumer.on(FETCH, () => {
      if (joined && !this.caughtUp) {
        this.caughtUp = true;
        this.logger.info('reading order events from the latest offsets');
      }
    });
    this.consumer.on(CRASH, (event) => {
      this.logger.error(
        { err: event.payload.error.message, restart: event.payload.restart },
        'order events consumer crashed',
      );
    });
    for (const event of [CRASH, DISCONNECT, STOP]) {
      this.consumer.on(event, () => {
        joined = false;
        this.caughtUp = false;
      });
    }
  }

  /** Starts consuming in the background, retrying until Kafka answers. */
  start(): void {
    this.starting ??= this.connectLoop();
  }

  /** Readiness: the consumer is in its group and reading from the latest offsets. */
  async check(): Promise<void> {
    if (!this.caughtUp) throw new Error('order events consumer is not running');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.starting) return;
    // A start still retrying against an unreachable Kafka is not waited for long.
    await Promise.race([this.starting, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    await this.consumer.disconnect().catch(() => undefined);
    try {
      await this.admin.deleteGroups([this.groupId]);
    } catch (err) {
      // It expires on its own (offsets retention); nothing depends on it.
      this.logger.warn({ err: (err as Error).message }, 'could not delete the consumer group');
    }
    await this.admin.disconnect().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.admin.connect();
        await ensureTopics(this.admin, [this.topic]);
        await this.consumer.connect();
        await this.consumer.subscribe({ topics: [this.topic], fromBeginning: false });
        await this.consumer.run({ eachMessage: (payload) => this.handle(payload) });
        return;
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ err: (err as Error).message }, 'cannot read order events yet; retrying');
        await this.consumer.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private async handle({ message }: EachMessagePayload): Promise<void> {
    subscriptionEventDelay.observe(Math.max(0, Date.now() - Number(message.timestamp)) / 1000);
    let envelope;
    try {
      envelope = parseEnvelope(message.value);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'skipping an unreadable order event');
      return;
    }
    const data = envelope.data as Partial<OrderChange>;
    if (
      typeof data.orderId !== 'string' ||
      typeof data.customerId !== 'string' ||
      typeof data.version !== 'number'
    ) {
      return;
    }
    this.onChange({ orderId: data.orderId, customerId: data.customerId, version: data.version });
  }
}
