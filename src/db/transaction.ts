// Transactions that survive lock contention: a deadlock or a lock-wait timeout
// means InnoDB rolled the work back, so running it again is safe and usually
// succeeds. Bounded attempts with full-jitter back-off, then a clear
// SERVICE_UNAVAILABLE instead of a masked driver error.
import { ServiceUnavailableError } from '../errors.ts';
import type { DirectTransaction, Runner } from './direct.ts';
import { driverErrorCode, withCause } from './driver-errors.ts';

/** Driver codes after which the whole transaction was rolled back and may be run again. */
const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

export interface RetryOptions {
  /** What the work does, for the error after the last attempt: "the order could not be placed". */
  readonly failure: string;
  /** Attempts in all, first one included. */
  readonly attempts?: number;
  /** Upper bound of the first back-off; doubles with each attempt. */
  readonly baseDelayMs?: number;
  /** Test hook: called before each retry with the attempt that failed (1-based). */
  readonly onRetry?: (attempt: number, code: string) => void;
}

export const DEFAULT_ATTEMPTS = 4;
const DEFAULT_BASE_DELAY_MS = 15;

export function isRetryableTransactionError(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code !== null && RETRYABLE.has(code);
}

/** Runs `work` in one transaction of `db`, again (after a jittered pause) if it lost a deadlock or a lock wait. */
export async function transactionWithRetry<T>(db: Runner, work: (trx: DirectTransaction) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (!isRetryableTransactionError(error)) throw error;
      if (attempt >= attempts) {
        throw withCause(
          new ServiceUnavailableError(
            `${capitalize(options.failure)} because of contention with concurrent requests (gave up after ${attempts} attempts); retry.`,
          ),
          error,
        );
      }
      options.onRetry?.(attempt, driverErrorCode(error) ?? '');
      // Full jitter: two losers of the same deadlock should not collide again in lock step.
      await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1));
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
