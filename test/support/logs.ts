// A pino logger whose lines a test can read, for proving what the gateway logs.
import { pino, type Logger } from 'pino';

export type LogLine = Record<string, any>;

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line logged so far, parsed. */
  readonly lines: LogLine[];
  /** The first line matching `predicate`, waiting up to 2 s for it to be written. */
  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine>;
}

export function captureLogs(level: pino.LevelWithSilent = 'info'): CapturedLogs {
  const lines: LogLine[] = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return {
    logger,
    lines,
    async waitFor(predicate) {
      for (let i = 0; i < 100; i++) {
        const found = lines.find(predicate);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('log line not found');
    },
  };
}
