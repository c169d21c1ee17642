// The background fold of the counters' deltas (counters.ts compactCounters)
// in a gateway or worker process: every COUNTER_COMPACT_MS, on one connection
// of its own (so the requests' pool, statement counts and metrics stay
// theirs), against the primary. Counts are exact whether or not it runs; it
// keeps the delta rows a count reads few. Many processes may run it at once.
import { configWith, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { compactCounters } from './counters.ts';
import { createDb } from './pool.ts';

export interface CounterCompaction {
  /** Waits for a fold in progress, then closes the connection. */
  close(): Promise<void>;
}

export function startCounterCompaction(config: Config, log: Logger): CounterCompaction | null {
  if (config.counterCompactMs === 0) return null;
  const db = createDb(configWith(config, { dbPoolSize: 1 }));
  let running: Promise<void> | null = null;
  let failing = false;
  const tick = () => {
    if (running) return;
    running = compactCounters(db)
      .then((folded) => {
        if (failing) log.info({ folded }, 'counter fold works again');
        failing = false;
      })
      .catch((error: unknown) => {
        // Once per streak of failures (the database away, say): the next tick tries again.
        if (!failing) log.warn({ err: error }, 'counter fold failed; counts stay exact, retrying');
        failing = true;
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, config.counterCompactMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
      await db.destroy();
    },
  };
}
