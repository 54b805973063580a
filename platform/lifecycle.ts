import type { Logger } from './logger.js';
import { ConfigError } from './config.js';
import { StartupError } from './startup-error.js';

type Closer = { name: string; close: () => Promise<void> };

/**
 * Ordered graceful shutdown. Closers run in reverse order of registration
 * (last opened, first closed): stop accepting requests, let in-flight work
 * finish, stop consumers, then close pools. A second signal, or the timeout,
 * forces the exit.
 */
export class Lifecycle {
  private readonly closers: Closer[] = [];
  private stopping = false;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  get shuttingDown(): boolean {
    return this.stopping;
  }

  onShutdown(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  listen(): void {
    const handler = (signal: NodeJS.Signals) => {
      if (this.stopping) {
        this.logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      void this.shutdown(signal).then((code) => process.exit(code));
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  }

  async shutdown(reason: string): Promise<number> {
    this.stopping = true;
    this.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, this.timeoutMs);
    timer.unref();
    let code = 0;
    for (const closer of [...this.closers].reverse()) {
      try {
        await closer.close();
      } catch (err) {
        code = 1;
        this.logger.error({ err, closer: closer.name }, 'error while shutting down');
      }
    }
    clearTimeout(timer);
    this.logger.info('stopped');
    return code;
  }
}

/**
 * Runs an entry point. A configuration or start-up problem prints its one line
 * and exits 1 without a stack trace; anything else is logged in full.
 */
export function runMain(main: () => Promise<void>, logger?: Logger): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof StartupError) {
      console.error(err.message);
    } else if (logger) {
      logger.fatal({ err }, 'start-up failed');
    } else {
      console.error(err);
    }
    process.exit(1);
  });
}
