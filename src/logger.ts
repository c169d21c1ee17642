// One pino logger for the process; requests get a child with their id. With
// tracing on, every line also carries the traceId and spanId of the span it
// was written in (`fields`, Tracing.logFields: a pino mixin, so nothing is
// added or computed per line with tracing off).
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

export interface LoggerOptions {
  /** Fields for every line, from where it is written (the current span's ids). */
  readonly fields?: () => Record<string, string>;
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, ...(options.fields ? { mixin: options.fields } : {}) });
}
