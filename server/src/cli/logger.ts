import pino, { type Logger } from 'pino';
import type { RuntimeLog } from '../runtime/InferenceRuntime.js';

/** Structured logs on stderr, so stdout stays free for --json output. */
export function createCliLogger(level: string): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}

/** Adapts a pino logger to the runtime's log callback. */
export function runtimeLog(logger: Logger): RuntimeLog {
  return (level, message, fields) => logger[level](fields ?? {}, message);
}
