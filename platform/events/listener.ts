import pg from 'pg';
import type { Logger } from '../logger.js';

export interface PgListener {
  /** Resolves after the first connection attempt; a failure is retried in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The connection while it is up and listening, else null. Its owner may
   * run queries on it too (a session of its own: session-level locks and
   * settings), and tell sessions apart by identity: a reconnect is a new one.
   */
  connection(): pg.Client | null;
}

export interface PgListenerOptions {
  url: string;
  /** A constant identifier (letters, digits, `_`), never user input. */
  channel: string;
  logger: Logger;
  /** Runs on each notification and after each (re)connect. */
  onNotify: () => void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/**
 * A dedicated connection LISTENing on one channel: a pooled connection would
 * go back to the pool and take the subscription with it. When the connection
 * drops it reconnects with backoff, logging once per outage; notifications
 * sent meanwhile are lost, so `onNotify` also runs after every reconnect and
 * the caller keeps a slow poll as the safety net.
 */
export function createPgListener(options: PgListenerOptions): PgListener {
  const { url, channel, logger, onNotify } = options;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);

  let client: pg.Client | null = null;
  /** Set once LISTEN succeeded on `client`. */
  let listening: pg.Client | null = null;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = FIRST_RETRY_MS;
  let down = false;

  function drop(lost: pg.Client, err: unknown): void {
    if (client !== lost) return; // already handled ('error' is often followed by 'end')
    client = null;
    listening = null;
    void lost.end().catch(() => undefined);
    if (stopped) return;
    if (!down) {
      down = true;
      logger.warn(
        { channel, err: err instanceof Error ? err.message : String(err) },
        'LISTEN connection lost; reconnecting',
      );
    }
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void open();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  async function open(): Promise<void> {
    if (stopped) return;
    const candidate = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5_000,
      // Detects a silently dead server (network partition) instead of waiting forever.
      keepAlive: true,
      application_name: `listen:${channel}`,
    });
    client = candidate;
    candidate.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    candidate.on('error', (err) => drop(candidate, err));
    candidate.on('end', () => drop(candidate, new Error('connection closed')));
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${channel}`);
    } catch (err) {
      drop(candidate, err);
      return;
    }
    if (client !== candidate) return;
    listening = candidate;
    if (down) logger.info({ channel }, 'LISTEN connection restored');
    down = false;
    retryMs = FIRST_RETRY_MS;
    onNotify();
  }

  return {
    start: open,
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const current = client;
      client = null;
      listening = null;
      await current?.end().catch(() => undefined);
    },
    connection: () => listening,
  };
}
