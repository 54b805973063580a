import { pino, type Logger } from 'pino';
import { currentTraceId } from './context.js';

export type { Logger };

/**
 * Structured JSON logs. Every line carries the service name and, inside a
 * request or message, its trace id. Secrets are redacted by path as a second
 * line of defence; the first is never to log them.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const traceId = currentTraceId();
      return traceId ? { traceId } : {};
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'input.password',
        'refreshToken',
        '*.refreshToken',
        'accessToken',
        '*.accessToken',
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
