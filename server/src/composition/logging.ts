import pino, { type Logger } from 'pino';

/** Structured logs on stderr for the command-line tools (`chexgen`, `model:eval`), so stdout stays free for --json output. */
export function createCliLogger(level: string): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}

/** A pino logger as the `(level, message, fields)` callback the store, the outbox and the runtime take. */
export function logCallback(logger: Logger): (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void {
  return (level, message, fields) => logger[level](fields ?? {}, message);
}
